// Schemas of the registration and profile forms. Only the fields named here ever reach the database.
import { z } from 'zod';
import { isCommonPassword, PASSWORD_MAX, PASSWORD_MIN } from '../auth/passwords';
import { isValidMonthDay, isValidNabpEProfileId, isValidNpi, usStates } from '../auth/identifiers';
import { professions } from '../content/schema';
import { lineText, plainText } from '../http/input';

/** An identifier or name that may be left empty (stored as null). */
const optional = (max: number) =>
  plainText(max)
    .optional()
    .transform((value) => (value ? value : null));

const optionalInt = lineText(10)
  .optional()
  .transform((value, ctx) => {
    const trimmed = value?.trim();
    if (!trimmed) return null;
    if (!/^\d{1,2}$/.test(trimmed)) {
      ctx.addIssue({ code: 'custom', message: 'must be a number' });
      return z.NEVER;
    }
    return Number(trimmed);
  });

export const passwordSchema = z
  .string({ message: 'Enter a password' })
  .min(PASSWORD_MIN, `Use at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `Use at most ${PASSWORD_MAX} characters`)
  .refine((password) => !isCommonPassword(password), 'This password is too common; choose another');

/** A password typed to confirm who you are: any text up to the maximum length (the check is the hash). */
export const currentPasswordSchema = (message: string) =>
  z.string({ message }).min(1, message).max(PASSWORD_MAX, `Use at most ${PASSWORD_MAX} characters`);

const fullNameMessage = 'Enter your full name as it should appear on your certificates';
const degreeMessage = 'Enter your degree or credentials, e.g. MD, RN, PharmD';

export const emailSchema = plainText(254, 'Email address', 'Enter a valid email address')
  .transform((value) => value.toLowerCase())
  .pipe(z.email('Enter a valid email address'));

export const profileSchema = z
  .object({
    fullName: plainText(200, 'Your name', fullNameMessage).pipe(z.string().min(2, fullNameMessage)),
    email: emailSchema,
    profession: z.enum(professions, { message: 'Choose your profession' }),
    degree: plainText(60, 'Your degree', degreeMessage).pipe(z.string().min(1, degreeMessage)),
    nabpEProfileId: optional(7),
    birthMonth: optionalInt,
    birthDay: optionalInt,
    npi: optional(10),
    licenseState: optional(2).transform((value) => value?.toUpperCase() ?? null),
    licenseNumber: optional(30),
    certifyingBoard: optional(100),
    boardId: optional(40),
    consentToShare: z
      .enum(['on', 'true', 'false', ''], { message: 'Tick the box or leave it empty' })
      .optional()
      .transform((value) => value === 'on' || value === 'true'),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const pharmacy = p.profession === 'pharmacist' || p.profession === 'pharmacy_technician';
    if (p.nabpEProfileId !== null && !isValidNabpEProfileId(p.nabpEProfileId)) {
      issue('nabpEProfileId', 'An NABP e-Profile ID is 6 or 7 digits');
    } else if (pharmacy && p.nabpEProfileId === null) {
      issue('nabpEProfileId', 'Pharmacists and technicians need their NABP e-Profile ID for CPE Monitor');
    }
    const birthGiven = p.birthMonth !== null || p.birthDay !== null;
    if (birthGiven && !isValidMonthDay(p.birthMonth ?? 0, p.birthDay ?? 0)) {
      issue('birthDay', 'Enter a real month and day of birth');
    } else if (pharmacy && !birthGiven) {
      issue('birthMonth', 'Pharmacists and technicians need their birth month and day for CPE Monitor');
    }
    if (p.npi !== null && !isValidNpi(p.npi))
      issue('npi', 'This is not a valid 10-digit NPI (check digit failed)');
    if (p.licenseState !== null && !(usStates as readonly string[]).includes(p.licenseState)) {
      issue('licenseState', 'Choose a US state or territory');
    }
    if ((p.licenseState === null) !== (p.licenseNumber === null)) {
      issue(
        p.licenseState === null ? 'licenseState' : 'licenseNumber',
        'Give both the licence state and number, or neither',
      );
    }
    if ((p.certifyingBoard === null) !== (p.boardId === null)) {
      issue(
        p.certifyingBoard === null ? 'certifyingBoard' : 'boardId',
        'Give both the certifying board and your board ID, or neither',
      );
    }
  });
export type ProfileInput = z.infer<typeof profileSchema>;

export const registrationSchema = z.intersection(profileSchema, z.object({ password: passwordSchema }));
export type RegistrationInput = z.infer<typeof registrationSchema>;

export const passwordChangeSchema = z.object({
  currentPassword: currentPasswordSchema('Enter your current password'),
  newPassword: passwordSchema,
});
