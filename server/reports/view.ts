// What the report pages show: each figure as a server-drawn chart (server/charts) with its numbers in a table, and
// the numbers formatted once here (shares as percentages, "—" when there is nothing to divide by).
import type { ActivityView } from '../catalogue/view-model';
import type { Charts } from '../charts/chart';
import { pathWithQuery } from '../http/safe-redirect';
import { RATINGS, type FunnelStep } from './figures';
import type { ActivityReport, FreeTextPage } from './service';

/** 0.625 → "62.5%"; null → "—". */
export const percent = (share: number | null) => (share === null ? '—' : `${(share * 100).toFixed(1)}%`);
/** 1.25 → "1.25"; null → "—". */
export const decimal = (value: number | null) => (value === null ? '—' : String(Number(value.toFixed(2))));
const percentValue = (share: number | null) => (share === null ? 0 : Number((share * 100).toFixed(1)));

export const reportPath = (slug: string) => `/reports/${slug}`;

function completionsSection(charts: Charts, report: ActivityReport) {
  const { weeks } = report;
  return {
    total: report.completions,
    weeks,
    chart: weeks.length
      ? charts.lineChart({
          title: 'Completions per ISO week (UTC)',
          categories: weeks.map((w) => w.week),
          series: [{ name: 'Completions', values: weeks.map((w) => w.completions) }],
          yLabel: 'Completions',
        })
      : null,
  };
}

function funnelSection(charts: Charts, steps: FunnelStep[]) {
  return {
    steps: steps.map((step) => ({
      ...step,
      ofRegistered: percent(step.ofRegistered),
      ofPrevious: percent(step.ofPrevious),
    })),
    chart: charts.barChart({
      title: 'Learners at each step',
      categories: steps.map((s) => s.label),
      series: [{ name: 'Learners', values: steps.map((s) => s.learners) }],
      horizontal: true,
      xLabel: 'Learners',
    }),
  };
}

function passSection(charts: Charts, report: ActivityReport) {
  const p = report.passRates;
  return {
    ...p,
    attemptPassRate: percent(p.attemptPassRate),
    learnerPassRate: percent(p.learnerPassRate),
    meanAttemptsToPass: decimal(p.meanAttemptsToPass),
    chart: p.scoredAttempts
      ? charts.barChart({
          title: 'Passed and not passed',
          categories: ['Scored attempts', 'Learners who attempted'],
          series: [
            { name: 'Passed', values: [p.passedAttempts, p.learnersPassed] },
            {
              name: 'Not passed',
              values: [p.scoredAttempts - p.passedAttempts, p.learnersAttempted - p.learnersPassed],
            },
          ],
          horizontal: true,
          stacked: true,
          xLabel: 'Count',
        })
      : null,
  };
}

function objectivesSection(charts: Charts, report: ActivityReport) {
  const rows = report.objectives;
  return {
    rows: rows.map((o) => ({ ...o, meanScore: percent(o.meanScore) })),
    chart: rows.some((o) => o.answered > 0)
      ? charts.barChart({
          title: 'Mean score per objective (% of answers correct)',
          categories: rows.map((o) => o.code),
          series: [{ name: 'Mean score (%)', values: rows.map((o) => percentValue(o.meanScore)) }],
          xLabel: 'Objective',
          yLabel: '% correct',
        })
      : null,
  };
}

function evaluationSection(charts: Charts, report: ActivityReport) {
  const { evaluations, rated, freeOfBias } = report.evaluation;
  const shortLabel = (key: string, label: string) =>
    key.startsWith('objective:') ? `${key.slice('objective:'.length)} met` : label;
  return {
    evaluations,
    ratings: RATINGS,
    rated: rated.map((q) => ({
      ...q,
      counts: q.counts.map((count) => ({ count, share: percent(q.answers ? count / q.answers : null) })),
      mean: decimal(q.mean),
    })),
    freeOfBias: {
      ...freeOfBias,
      yesShare: percent(evaluations ? freeOfBias.yes / evaluations : null),
      noShare: percent(evaluations ? freeOfBias.no / evaluations : null),
    },
    chart: evaluations
      ? charts.barChart({
          title: 'Ratings given (1 = not at all, 5 = fully)',
          categories: rated.map((q) => shortLabel(q.key, q.label)),
          series: RATINGS.map((rating, i) => ({ name: `${rating}`, values: rated.map((q) => q.counts[i]!) })),
          horizontal: true,
          stacked: true,
          xLabel: 'Evaluations',
        })
      : null,
    biasChart: evaluations
      ? charts.barChart({
          title: 'Was the content free of commercial bias?',
          categories: ['Yes', 'No'],
          series: [{ name: 'Evaluations', values: [freeOfBias.yes, freeOfBias.no] }],
          horizontal: true,
          xLabel: 'Evaluations',
        })
      : null,
  };
}

function answersSection(slug: string, search: string, before: number | null, page: FreeTextPage) {
  const listPath = (cursor?: number) =>
    `${pathWithQuery(reportPath(slug), { q: search, before: cursor })}#answers`;
  const firstHref = before === null ? null : listPath();
  const nextHref = page.nextBefore === null ? null : listPath(page.nextBefore);
  return {
    search,
    rows: page.answers,
    firstHref,
    nextHref,
    paged: firstHref !== null || nextHref !== null,
    clearHref: search ? `${reportPath(slug)}#answers` : null,
  };
}

export function reportPage(
  charts: Charts,
  activity: Pick<ActivityView, 'slug' | 'title' | 'path'>,
  report: ActivityReport,
  answers: { search: string; before: number | null; page: FreeTextPage },
) {
  return {
    title: `Report: ${activity.title}`,
    activity,
    reportHref: reportPath(activity.slug),
    completions: completionsSection(charts, report),
    funnel: funnelSection(charts, report.funnel),
    pass: passSection(charts, report),
    objectives: objectivesSection(charts, report),
    evaluation: evaluationSection(charts, report),
    answers: answersSection(activity.slug, answers.search, answers.before, answers.page),
  };
}
