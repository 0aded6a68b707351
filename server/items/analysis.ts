// Item analysis: per item version (an attempt keeps the version it showed), how often it was shown, the proportion
// answered correctly (difficulty), its discrimination (point-biserial with the rest of the test score), how often
// each option was chosen, and flags for what an educator should look at; per objective, the mean score. The figures
// come from one SQL statement over the scored attempts (analysis-queries.ts); this file names and judges them.
import type { ActivityView } from '../catalogue/view-model';
import type { CapabilityDeps } from '../compose';
import type { ItemStatus, VersionState } from '../generated/prisma/enums';
import { createItemAnalysisQueries, type ItemAnalysisRow } from './analysis-queries';
import { OPTION_IDS } from './types';

/**
 * When a figure is flagged. Difficulty is the proportion correct, so "too easy" is above 0.95 and "too hard" below
 * 0.25; a discrimination below 0.1 (the usual "poor" bound, Ebel's scale) means the item barely separates learners
 * who know the rest of the test from those who do not, and below 0 that it favours the weaker ones.
 */
export const FLAG_THRESHOLDS = { tooEasyAbove: 0.95, tooHardBelow: 0.25, discriminationBelow: 0.1 } as const;

export type FlagKind =
  'too-easy' | 'too-hard' | 'negative-discrimination' | 'low-discrimination' | 'option-never-chosen';

export interface Flag {
  kind: FlagKind;
  message: string;
}

export interface OptionChoice {
  id: string;
  text: string;
  correct: boolean;
  /** Times selected in scored attempts. */
  count: number;
}

export interface ItemVersionAnalysis {
  itemId: number;
  key: string;
  itemStatus: ItemStatus;
  objectiveCode: string;
  versionId: number;
  version: number;
  versionState: VersionState;
  /** Times shown in scored attempts (n). */
  shown: number;
  correct: number;
  /** Proportion correct; null when never shown. */
  difficulty: number | null;
  /** Point-biserial r with the rest score; null when undefined (n < 2, or no variance). */
  discrimination: number | null;
  options: OptionChoice[];
  flags: Flag[];
}

export interface ObjectiveAnalysis {
  code: string;
  text: string;
  /** Responses to this objective's items in scored attempts. */
  shown: number;
  correct: number;
  /** Mean score on the objective: the proportion of its questions answered correctly; null without responses. */
  meanScore: number | null;
}

export interface ItemAnalysisReport {
  scoredAttempts: number;
  /** Responses counted (all item versions). */
  responses: number;
  versions: ItemVersionAnalysis[];
  objectives: ObjectiveAnalysis[];
}

/** What is worth an educator's look in one version's figures (nothing before it has been shown). */
export function flagsFor(
  figures: Pick<ItemVersionAnalysis, 'shown' | 'difficulty' | 'discrimination' | 'options'>,
): Flag[] {
  if (figures.shown === 0 || figures.difficulty === null) return [];
  const flags: Flag[] = [];
  const { difficulty: p, discrimination: r } = figures;
  if (p > FLAG_THRESHOLDS.tooEasyAbove)
    flags.push({ kind: 'too-easy', message: `Too easy (more than ${FLAG_THRESHOLDS.tooEasyAbove} correct)` });
  if (p < FLAG_THRESHOLDS.tooHardBelow)
    flags.push({ kind: 'too-hard', message: `Too hard (less than ${FLAG_THRESHOLDS.tooHardBelow} correct)` });
  if (r !== null && r < 0)
    flags.push({ kind: 'negative-discrimination', message: 'Negative discrimination' });
  else if (r !== null && r < FLAG_THRESHOLDS.discriminationBelow)
    flags.push({
      kind: 'low-discrimination',
      message: `Discrimination near zero (below ${FLAG_THRESHOLDS.discriminationBelow})`,
    });
  const unchosen = figures.options.filter((o) => o.count === 0).map((o) => o.id);
  if (unchosen.length > 0)
    flags.push({
      kind: 'option-never-chosen',
      message: `${unchosen.length === 1 ? 'Option' : 'Options'} ${unchosen.join(', ')} never chosen`,
    });
  return flags;
}

/** The stored options, [{ id, text }], with their counts (ids outside A–F cannot be stored). */
function optionChoices(row: ItemAnalysisRow): OptionChoice[] {
  const stored = Array.isArray(row.options) ? (row.options as { id: string; text: string }[]) : [];
  return stored.map(({ id, text }) => {
    const index = (OPTION_IDS as readonly string[]).indexOf(id);
    return {
      id,
      text,
      correct: row.correct_options.includes(id),
      count: row.chosen && index >= 0 ? row.chosen[index]! : 0,
    };
  });
}

export function versionAnalysis(row: ItemAnalysisRow): ItemVersionAnalysis {
  const options = optionChoices(row);
  const figures = {
    shown: row.shown,
    difficulty: row.shown > 0 ? row.correct / row.shown : null,
    discrimination: row.discrimination,
    options,
  };
  return {
    itemId: row.item_id,
    key: row.key,
    itemStatus: row.item_status,
    objectiveCode: row.objective_code,
    versionId: row.version_id,
    version: row.version,
    versionState: row.version_state,
    correct: row.correct,
    ...figures,
    flags: flagsFor(figures),
  };
}

/** Per objective, pooled over its item versions: correct answers ÷ questions shown. */
export function objectiveMeans(
  objectives: readonly { code: string; text: string }[],
  versions: readonly Pick<ItemVersionAnalysis, 'objectiveCode' | 'shown' | 'correct'>[],
): ObjectiveAnalysis[] {
  return objectives.map(({ code, text }) => {
    const own = versions.filter((v) => v.objectiveCode === code);
    const shown = own.reduce((sum, v) => sum + v.shown, 0);
    const correct = own.reduce((sum, v) => sum + v.correct, 0);
    return { code, text, shown, correct, meanScore: shown > 0 ? correct / shown : null };
  });
}

export function createItemAnalysis(deps: CapabilityDeps) {
  const queries = createItemAnalysisQueries(deps.pool);

  /** The activity's analysis as of now, over every scored attempt. */
  async function analyse(activity: Pick<ActivityView, 'id' | 'objectives'>): Promise<ItemAnalysisReport> {
    const [rows, scoredAttempts] = await Promise.all([
      queries.itemVersionFigures(activity.id),
      queries.scoredAttempts(activity.id),
    ]);
    const versions = rows.map(versionAnalysis);
    return {
      scoredAttempts,
      responses: versions.reduce((sum, v) => sum + v.shown, 0),
      versions,
      objectives: objectiveMeans(activity.objectives, versions),
    };
  }

  return { analyse };
}

export type ItemAnalysisService = ReturnType<typeof createItemAnalysis>;
