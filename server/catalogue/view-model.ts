// Shapes stored activities into what the catalogue pages show. Plain functions, no I/O.
import { fillTemplate, renderInlineHtml } from '../content/render';
import { professions, reportingIds, type ActivityFile, type Provider } from '../content/schema';

export interface StoredActivity {
  id: number;
  contentHash: string;
  slug: string;
  title: string;
  description: string;
  releaseDate: Date;
  reviewDate: Date;
  expirationDate: Date;
  estimatedMinutes: number;
  maxCredits: { toString(): string };
  passingScorePercent: number;
  details: unknown;
  objectives: { code: string; position: number; text: string }[];
  lessons: { id: number; slug: string; position: number; title: string; bodyHtml: string }[];
  references: {
    number: number;
    citation: string;
    pmid: string | null;
    doi: string | null;
    evidenceLevel: number | null;
    evidenceLabel: string | null;
  }[];
}

// One formatter for the process: toLocaleDateString builds a new one per call, which costs more than the rest of
// the verification page (measured).
const longDate = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  timeZone: 'UTC',
});

/** 2026-11-24 → "November 24, 2026" (dates are stored as UTC days). */
export const formatDate = (date: Date) => longDate.format(date);

/** "2026-05-22" (a UTC day, as certificates store it) → "May 22, 2026". */
export const formatIsoDate = (isoDate: string) => formatDate(new Date(`${isoDate}T00:00:00Z`));

export const lessonPath = (activitySlug: string, lesson: { position: number; slug: string }) =>
  `/activities/${activitySlug}/lessons/${lesson.position}-${lesson.slug}`;

/**
 * 0.5 → "0.5", 1 → "1.0": credit amounts are always shown with at least one decimal, as accreditors print them.
 * The one amount formatter of the server (catalogue, claims, certificates, transcript); a value that is not a
 * number is shown as it is.
 */
export const formatCredits = (amount: { toString(): string }) => {
  const text = amount.toString();
  const value = Number(text);
  if (!Number.isFinite(value)) return text;
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
};

export function buildActivityView(stored: StoredActivity, provider: Provider) {
  const details = stored.details as ActivityFile;
  const credits = formatCredits(stored.maxCredits);
  const fill = (template: string) =>
    fillTemplate(template, {
      provider: provider.name,
      credits,
      creditsLabel: Number(credits) === 1 ? 'Credit' : 'Credits',
    });
  const disclosures = details.faculty.map((person) => ({
    name: person.name,
    role: person.role,
    relationships: person.disclosures,
  }));
  const designationFor = (code: string) => {
    const template =
      code === 'AMA_PRA_1' ? provider.statements.designation : provider.statements.creditDesignations[code];
    if (!template)
      throw new Error(`content/provider.yaml has no designation statement for credit type ${code}`);
    return fill(template);
  };
  // In profession order (stored JSON does not keep key order), each credit type once.
  const creditTypeList = professions
    .map((profession) => details.credit.types[profession])
    .filter((type, index, all) => all.findIndex((t) => t.code === type.code) === index);
  const anyRelationship = disclosures.some((person) => person.relationships.length > 0);
  const lessons = stored.lessons
    .slice()
    .sort((a, b) => a.position - b.position)
    .map((lesson) => ({ ...lesson, path: lessonPath(stored.slug, lesson) }));

  return {
    id: stored.id,
    contentHash: stored.contentHash,
    slug: stored.slug,
    path: `/activities/${stored.slug}`,
    referencesPath: `/activities/${stored.slug}/references`,
    title: stored.title,
    format: details.format,
    description: stored.description,
    targetAudience: details.targetAudience,
    objectives: stored.objectives.slice().sort((a, b) => a.position - b.position),
    faculty: details.faculty,
    dates: {
      sourceUpdated: formatDate(new Date(details.sourceUpdated)),
      release: formatDate(stored.releaseDate),
      review: formatDate(stored.reviewDate),
      expiration: formatDate(stored.expirationDate),
      expirationIso: stored.expirationDate.toISOString().slice(0, 10),
    },
    releaseDate: stored.releaseDate,
    expirationDate: stored.expirationDate,
    estimatedMinutes: stored.estimatedMinutes,
    credits,
    creditTypeByProfession: details.credit.types,
    /** What accreditors know the activity by (activity.yaml `reporting`, provider.yaml `accmeProviderId`). */
    reporting: reportingIds(details, provider),
    creditTypes: creditTypeList.map((type) => ({
      ...type,
      designation: designationFor(type.code),
      designationHtml: renderInlineHtml(designationFor(type.code)),
    })),
    postTest: {
      passingScorePercent: stored.passingScorePercent,
      itemsPerObjective: details.postTest.itemsPerObjective,
      itemCount: details.postTest.itemsPerObjective * stored.objectives.length,
      maxAttempts: details.postTest.maxAttempts,
      requireAllLessonsViewed: details.postTest.requireAllLessonsViewed,
    },
    disclosures,
    anyRelationship,
    commercialSupport: details.commercialSupport,
    statements: {
      accreditation: fill(provider.statements.accreditation[provider.accreditation]),
      designation: fill(provider.statements.designation),
      designationHtml: renderInlineHtml(fill(provider.statements.designation)),
      ipce: provider.accreditation === 'joint' ? fill(provider.statements.ipce) : null,
      noDisclosures: provider.statements.noDisclosures,
      disclosuresMitigated: provider.statements.disclosuresMitigated,
      noCommercialSupport: provider.statements.noCommercialSupport,
    },
    provider: { name: provider.name, contact: provider.contact, hardwareSoftware: provider.hardwareSoftware },
    lessons,
    references: stored.references
      .slice()
      .sort((a, b) => a.number - b.number)
      .map((ref) => ({
        ...ref,
        pubmedUrl: ref.pmid ? `https://pubmed.ncbi.nlm.nih.gov/${ref.pmid}/` : null,
        doiUrl: ref.doi ? `https://doi.org/${encodeURI(ref.doi)}` : null,
      })),
  };
}

export type ActivityView = ReturnType<typeof buildActivityView>;

/** Whether credit can be earned today; computed per request because the cached view outlives a day. */
export function availability(view: Pick<ActivityView, 'releaseDate' | 'expirationDate'>, today: Date) {
  if (today < view.releaseDate) return { open: false, reason: 'not-yet-released' as const };
  // The expiration date is the last day on which credit may be earned.
  const endOfLastDay = new Date(view.expirationDate.getTime() + 24 * 60 * 60 * 1000);
  if (today >= endOfLastDay) return { open: false, reason: 'expired' as const };
  return { open: true, reason: null };
}
