// The shape of every file under content/. Validation errors name the file and the field.
import { z } from 'zod';

const isoDate = z.iso.date().transform((value) => new Date(`${value}T00:00:00Z`));
export const slug = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens');
export const text = z.string().trim().min(1);

export const professions = [
  'physician',
  'physician_assistant',
  'nurse',
  'pharmacist',
  'pharmacy_technician',
  'other',
] as const;
export type Profession = (typeof professions)[number];

/**
 * An identifier made of digits, written in quotes in YAML: unquoted, 0012345 would be read as the number 12345 and
 * lose the leading zeros an accreditor's system matches on.
 */
const quotedDigits = (length: number, name: string) =>
  z
    .string({ error: `must be the ${length}-digit ${name}, written in quotes ("${'0'.repeat(length)}")` })
    .regex(new RegExp(`^\\d{${length}}$`), `must be the ${length}-digit ${name}`);

/**
 * ACPE's Universal Activity Number: provider (4 digits, or JA + 7 for a Joint Accreditation provider), joint
 * providership (4 digits), year (2), activity number (3), H for home study (every activity here is an enduring,
 * home-study activity) with a 2-digit topic, and P (pharmacists) or T (technicians), e.g. 0000-0000-26-001-H01-P.
 */
export const UAN_PATTERN = /^(?:\d{4}|JA\d{7})-\d{4}-\d{2}-\d{3}-H\d{2}-[PT]$/;
const uan = (audience: 'P' | 'T') =>
  z
    .string({ error: 'must be a UAN such as 0000-0000-26-001-H01-P, in quotes' })
    .regex(UAN_PATTERN, 'must be a home-study UAN such as 0000-0000-26-001-H01-P')
    .refine(
      (value) => value.endsWith(`-${audience}`),
      `must end in -${audience} (${audience === 'P' ? 'pharmacists' : 'pharmacy technicians'})`,
    );

export const providerSchema = z.strictObject({
  name: text,
  accreditation: z.enum(['accme', 'joint']),
  contact: z.strictObject({ email: z.email(), description: text }),
  privacyPolicy: text,
  statements: z.strictObject({
    accreditation: z.strictObject({ accme: text, joint: text }),
    designation: text,
    creditDesignations: z.record(z.string().regex(/^[A-Z0-9_]+$/), text),
    ipce: text,
    noDisclosures: text,
    disclosuresMitigated: text,
    noCommercialSupport: text,
  }),
  hardwareSoftware: text,
  /** ACCME's 7-digit provider ID (PARS): without it the PARS learner file cannot be made. */
  accmeProviderId: quotedDigits(7, 'ACCME provider ID').optional(),
});
export type Provider = z.infer<typeof providerSchema>;

const disclosureSchema = z.strictObject({
  company: text,
  relationship: text,
});

const creditTypeSchema = z.strictObject({ code: z.string().regex(/^[A-Z0-9_]+$/), label: text });

export const activitySchema = z
  .strictObject({
    slug,
    title: text,
    format: text,
    description: text,
    objectives: z
      .array(z.strictObject({ code: z.string().regex(/^[A-Z][A-Z0-9]*$/), text }))
      .min(1)
      .refine(
        (list) => new Set(list.map((o) => o.code)).size === list.length,
        'objective codes must be unique',
      ),
    targetAudience: text,
    faculty: z
      .array(
        z.strictObject({
          name: text,
          role: text,
          credentials: text.nullable(),
          disclosures: z.array(disclosureSchema),
        }),
      )
      .min(1),
    commercialSupport: z.array(z.strictObject({ company: text, kind: text })),
    sourceUpdated: isoDate,
    releaseDate: isoDate,
    reviewDate: isoDate,
    expirationDate: isoDate,
    estimatedMinutes: z.number().int().positive(),
    credit: z.strictObject({
      maximum: z.number().positive().multipleOf(0.25),
      types: z.strictObject(
        Object.fromEntries(professions.map((p) => [p, creditTypeSchema])) as {
          [K in Profession]: typeof creditTypeSchema;
        },
      ),
    }),
    /** What accreditors know the activity by; each one may be missing until the accreditor assigns it. */
    reporting: z
      .strictObject({
        accmeActivityId: quotedDigits(9, 'ACCME activity ID').optional(),
        uan: z
          .strictObject({ pharmacist: uan('P').optional(), pharmacy_technician: uan('T').optional() })
          .optional(),
      })
      .optional(),
    postTest: z.strictObject({
      passingScorePercent: z.number().int().min(1).max(100),
      itemsPerObjective: z.number().int().positive(),
      maxAttempts: z.number().int().positive().nullable(),
      requireAllLessonsViewed: z.boolean(),
    }),
  })
  .superRefine((activity, ctx) => {
    const threeYears = new Date(activity.releaseDate);
    threeYears.setUTCFullYear(threeYears.getUTCFullYear() + 3);
    if (activity.expirationDate > threeYears) {
      ctx.addIssue({
        code: 'custom',
        path: ['expirationDate'],
        message: 'must be at most 3 years after releaseDate',
      });
    }
    if (activity.expirationDate <= activity.releaseDate) {
      ctx.addIssue({ code: 'custom', path: ['expirationDate'], message: 'must be after releaseDate' });
    }
    if (activity.reviewDate > activity.expirationDate) {
      ctx.addIssue({ code: 'custom', path: ['reviewDate'], message: 'must not be after expirationDate' });
    }
  });
export type ActivityFile = z.infer<typeof activitySchema>;

/** The identifiers of an activity that accreditors' files need, null where content/ does not set them yet. */
export interface ReportingIds {
  accmeProviderId: string | null;
  accmeActivityId: string | null;
  uan: { pharmacist: string | null; pharmacy_technician: string | null };
}

/** From a stored activity.yaml (synced before `reporting` existed, it may lack it) and provider.yaml. */
export const reportingIds = (
  activity: Pick<ActivityFile, 'reporting'>,
  provider: Pick<Provider, 'accmeProviderId'>,
): ReportingIds => ({
  accmeProviderId: provider.accmeProviderId ?? null,
  accmeActivityId: activity.reporting?.accmeActivityId ?? null,
  uan: {
    pharmacist: activity.reporting?.uan?.pharmacist ?? null,
    pharmacy_technician: activity.reporting?.uan?.pharmacy_technician ?? null,
  },
});

/** The UAN a learner of this profession is credited under (pharmacists P, technicians T), or null. */
export const uanFor = (ids: ReportingIds, profession: string): string | null =>
  profession === 'pharmacist' || profession === 'pharmacy_technician' ? ids.uan[profession] : null;

export const referencesSchema = z
  .array(
    z.strictObject({
      number: z.number().int().positive(),
      citation: text,
      pmid: z
        .string()
        .regex(/^[1-9][0-9]{0,8}$/, 'must be a PubMed ID (digits)')
        .nullable()
        .optional(),
      doi: z
        .string()
        .regex(/^10\.\d{4,9}\/\S+$/, 'must be a DOI such as 10.1000/xyz')
        .nullable()
        .optional(),
      evidenceLevel: z.strictObject({ level: z.number().int().min(1).max(5), label: text }).optional(),
    }),
  )
  .min(1)
  .superRefine((refs, ctx) => {
    refs.forEach((ref, index) => {
      if (ref.number !== index + 1) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'number'],
          message: `must be ${index + 1} (numbered in order)`,
        });
      }
    });
  });
export type ReferenceFile = z.infer<typeof referencesSchema>[number];

/** sections/NN-<slug>.md: the number orders the lessons, the first line is `# Title`. */
export const sectionFileName = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$/;
