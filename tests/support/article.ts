/** The 13 section headings of the seed article, in its order: what the lessons must reproduce. */
export const articleSectionTitles = [
  'Introduction',
  'Etiology',
  'Epidemiology',
  'Histopathology',
  'History and Physical',
  'Evaluation',
  'Treatment / Management',
  'Differential Diagnosis',
  'Prognosis',
  'Complications',
  'Consultations',
  'Deterrence and Patient Education',
  'Enhancing Healthcare Team Outcomes',
];
