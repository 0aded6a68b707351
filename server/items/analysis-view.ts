// The item analysis page's data: figures formatted for reading ("—" where a figure is undefined), links to each
// item's page, and the two charts with the numbers each one draws. Plain functions, no I/O.
import type { ActivityView } from '../catalogue/view-model';
import type { Charts } from '../charts/chart';
import { FLAG_THRESHOLDS, type ItemAnalysisReport, type ItemVersionAnalysis } from './analysis';

const DASH = '—';
const MINUS = '−';

/** 0.8333 → "0.83", −0.12 → "−0.12" (a true minus sign); null → "—". */
export const formatFigure = (value: number | null) =>
  value === null
    ? DASH
    : value
        .toFixed(2)
        .replace(/^-/, MINUS)
        .replace(/^−0\.00$/, '0.00');

/** 0.8333 → "83.3 %"; null → "—". */
export const formatPercent = (value: number | null) =>
  value === null ? DASH : `${(value * 100).toFixed(1)} %`;

/** "o1-female-predominance v2": how charts and tables name a version. */
export const versionLabel = (v: Pick<ItemVersionAnalysis, 'key' | 'version'>) => `${v.key} v${v.version}`;

// Chart axes have room for about this many characters; the tables beside the charts give the whole key.
const CHART_LABEL_LENGTH = 20;
const chartLabel = (v: Pick<ItemVersionAnalysis, 'key' | 'version'>) => {
  const suffix = ` v${v.version}`;
  const room = CHART_LABEL_LENGTH - suffix.length;
  return (v.key.length > room ? `${v.key.slice(0, room - 1)}…` : v.key) + suffix;
};

const thousands = new Intl.NumberFormat('en-US');
/** 1200000 → "1,200,000". */
const grouped = (count: number) => thousands.format(count);

const itemHref = (slug: string, v: Pick<ItemVersionAnalysis, 'itemId'>) => `/items/${slug}/${v.itemId}`;

function versionRow(slug: string, v: ItemVersionAnalysis) {
  return {
    label: versionLabel(v),
    key: v.key,
    version: v.version,
    state: v.versionState.replace('_', ' '),
    href: itemHref(slug, v),
    objectiveCode: v.objectiveCode,
    shown: v.shown,
    difficulty: formatFigure(v.difficulty),
    discrimination: formatFigure(v.discrimination),
    flags: v.flags,
    options: v.options.map((o) => ({
      id: o.id,
      text: o.text,
      correct: o.correct,
      count: o.count,
      share: formatPercent(v.shown > 0 ? o.count / v.shown : null),
    })),
  };
}

/** Option choices per item version, stacked by option letter: the bars for distractor analysis. */
function optionChart(charts: Charts, shown: ItemVersionAnalysis[]) {
  const letters = [...new Set(shown.flatMap((v) => v.options.map((o) => o.id)))].sort();
  const chart = charts.barChart({
    title: 'Option choices per item version',
    categories: shown.map(chartLabel),
    series: letters.map((letter) => ({
      name: `Option ${letter}`,
      values: shown.map((v) => v.options.find((o) => o.id === letter)?.count ?? 0),
    })),
    xLabel: 'Times chosen',
    horizontal: true,
    stacked: true,
  });
  return { chart, letters };
}

/**
 * Difficulty across, discrimination up, with the flag thresholds as guide lines. Points are labelled with their row
 * number in the table beside the chart: item keys would cover each other.
 */
function scatter(charts: Charts, shown: ItemVersionAnalysis[]) {
  const plotted = shown
    .map((v, index) => ({ v, number: index + 1 }))
    .filter(({ v }) => v.discrimination !== null);
  const lowest = Math.min(0, ...plotted.map(({ v }) => v.discrimination!));
  return charts.scatterChart({
    title: 'Difficulty against discrimination',
    points: plotted.map(({ v, number }) => ({
      x: v.difficulty!,
      y: v.discrimination!,
      label: String(number),
    })),
    xLabel: 'Difficulty (proportion correct)',
    yLabel: 'Discrimination (r)',
    xRange: [0, 1],
    yRange: [Math.max(-1, Math.floor(lowest * 10) / 10 - 0.1), 1],
    guides: {
      x: [FLAG_THRESHOLDS.tooHardBelow, FLAG_THRESHOLDS.tooEasyAbove],
      y: [FLAG_THRESHOLDS.discriminationBelow],
    },
  });
}

export function analysisPage(
  charts: Charts,
  activity: Pick<ActivityView, 'slug' | 'title'>,
  report: ItemAnalysisReport,
) {
  const shown = report.versions.filter((v) => v.shown > 0);
  const rows = report.versions.map((v) => versionRow(activity.slug, v));
  const options = shown.length > 0 ? optionChart(charts, shown) : null;
  return {
    title: `Item analysis: ${activity.title}`,
    activity: { slug: activity.slug, title: activity.title },
    bankHref: `/items/${activity.slug}`,
    scoredAttempts: report.scoredAttempts,
    responses: report.responses,
    counts: { attempts: grouped(report.scoredAttempts), responses: grouped(report.responses) },
    scatterCaption:
      'Each point is an item version with a discrimination, numbered as in the table. Dashed lines: the flag ' +
      'thresholds (difficulty ' +
      `${FLAG_THRESHOLDS.tooHardBelow} and ${FLAG_THRESHOLDS.tooEasyAbove}, discrimination ${FLAG_THRESHOLDS.discriminationBelow}).`,
    thresholds: FLAG_THRESHOLDS,
    flaggedCount: report.versions.filter((v) => v.flags.length > 0).length,
    versions: rows,
    objectives: report.objectives.map((o) => ({ ...o, meanScore: formatPercent(o.meanScore) })),
    optionChart: options && {
      chart: options.chart,
      letters: options.letters,
      rows: shown.map((v) => ({
        ...versionRow(activity.slug, v),
        counts: options.letters.map((letter) => {
          const option = v.options.find((o) => o.id === letter);
          return option ? { count: option.count, correct: option.correct } : null;
        }),
      })),
    },
    scatterChart: shown.length > 0 ? scatter(charts, shown) : null,
    scatterRows: shown.map((v, index) => ({
      ...versionRow(activity.slug, v),
      number: index + 1,
      plotted: v.discrimination !== null,
    })),
  };
}
