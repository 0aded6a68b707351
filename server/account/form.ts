// The profile's fields: what is read for the profile page (profileSelect), and the values for re-rendering the form
// (only the known fields, as the user typed them, never the password).
import { usStates } from '../auth/identifiers';
import { professions, type Profession } from '../content/schema';

export const professionLabels: Record<Profession, string> = {
  physician: 'Physician (MD, DO)',
  physician_assistant: 'Physician assistant',
  nurse: 'Nurse',
  pharmacist: 'Pharmacist',
  pharmacy_technician: 'Pharmacy technician',
  other: 'Other healthcare professional',
};

const fields = [
  'fullName',
  'email',
  'profession',
  'degree',
  'nabpEProfileId',
  'birthMonth',
  'birthDay',
  'npi',
  'licenseState',
  'licenseNumber',
  'certifyingBoard',
  'boardId',
] as const;

/** Everything of the profile a user may see and edit; never the password hash. */
export const profileSelect = {
  id: true,
  email: true,
  role: true,
  fullName: true,
  profession: true,
  degree: true,
  nabpEProfileId: true,
  birthMonth: true,
  birthDay: true,
  npi: true,
  licenseState: true,
  licenseNumber: true,
  certifyingBoard: true,
  boardId: true,
  consentToShare: true,
  createdAt: true,
  updatedAt: true,
  passwordChangedAt: true,
} as const;

export function profileFormValues(source: Record<string, unknown>) {
  const values = {} as Record<(typeof fields)[number], string>;
  for (const field of fields) {
    const value = source[field];
    // Only what a form field could have sent: an object or array from a JSON body is shown as empty.
    values[field] = typeof value === 'string' || typeof value === 'number' ? String(value).slice(0, 300) : '';
  }
  const consent = source.consentToShare;
  return { ...values, consentToShare: consent === true || consent === 'on' || consent === 'true' };
}

export function professionOptions(selected?: unknown) {
  return professions.map((value) => ({
    value,
    label: professionLabels[value],
    selected: value === selected,
  }));
}

export function stateOptions(selected?: unknown) {
  return usStates.map((value) => ({ value, selected: value === selected }));
}
