// A profile with every optional identifier filled in, as a pharmacist types it into the registration form.
export const fullProfile = {
  fullName: 'Robin Prescott',
  profession: 'pharmacist',
  degree: 'PharmD',
  nabpEProfileId: '1234567',
  birthMonth: '2',
  birthDay: '29',
  npi: '1234567893',
  licenseState: 'CA',
  licenseNumber: 'RPH 55123',
  certifyingBoard: 'BPS',
  boardId: 'B-9981',
  consentToShare: 'on',
};
