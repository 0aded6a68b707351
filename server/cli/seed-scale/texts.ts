// Free text of the synthetic histories: evaluation answers, and the reasons admins gave for revoking certificates
// and correcting claims. Chosen by index in the plan (1-based, as SQL arrays are), stored as text by the SQL.
export const seedTexts = {
  biasComments: [
    'One lesson named a specific brand of ablation device where a generic description would do.',
    'The imaging section seemed to favour one vendor’s MRI protocol.',
    'Treatment options beyond surgery were discussed only briefly; it felt one-sided.',
    'A cited trial was funded by a drug maker and that was not mentioned.',
  ],
  intendedChanges: [
    'Refer solid renal masses with atypical features for image-guided core biopsy before surgery.',
    'Include leiomyosarcoma in the differential of a large, rapidly growing renal mass.',
    'Ask pathology for smooth muscle actin and desmin staining when a spindle cell tumour is found.',
    'Discuss every suspected renal sarcoma at the multidisciplinary tumour board.',
    'Order chest CT at diagnosis, since lung metastases are common.',
    'Explain to patients why close follow-up imaging matters after resection.',
    'No change: my practice already follows these recommendations.',
    'Coordinate earlier with oncology and radiology for patients with renal masses.',
    'Review our referral pathway for suspected sarcomas with the team.',
    'Counsel patients about the limited role of chemotherapy in localised disease.',
    "Make sure the patient's pain and symptoms are reassessed at each visit.",
    'Use the references in this activity to update our unit’s teaching materials.',
  ],
  revokeReasons: [
    'Duplicate record: the learner completed the activity under a second account.',
    'Claimed in error; the learner asked for the record to be withdrawn.',
    'Attestation found to be false on audit: the learner did not complete the activity.',
  ],
  correctionReasons: [
    'The learner asked to claim the credit commensurate with the time actually spent.',
    'Claimed amount entered wrongly; corrected at the learner’s request by email.',
  ],
};
