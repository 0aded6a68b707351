// What the exports page shows, shaped from the filters, the activities and the overview. Plain functions, no I/O.
import type { z } from 'zod';
import { professionLabels } from '../account/form';
import type { ActivityView } from '../catalogue/view-model';
import { professions } from '../content/schema';
import { fieldErrors, formValues, withoutInvisibleFormat } from '../http/input';
import { pathWithQuery } from '../http/safe-redirect';
import { filterQuery, RECORD_FILTER_FIELDS, type RecordFilters } from '../records/filters';
import { CPE_COLUMNS, CPE_DEADLINE_DAYS, CPE_RULES } from './cpe-columns';
import { NAME_RULE } from './names';
import type { FileSummary, RecordList } from './overview';
import { LISTED_RECORDS } from './overview';
import { PARS_COLUMNS, PARS_LATE_AFTER_DAYS, PARS_RULES } from './pars-columns';

/** One message per filter field, for the form; a message about anything else is shown at the first field. */
export function filterErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [field, message] of Object.entries(fieldErrors(error)))
    errors[RECORD_FILTER_FIELDS.includes(field) ? field : 'from'] ??= message;
  return errors;
}

const options = (list: { value: string; label: string }[], selected: string) =>
  list.map((option) => ({ ...option, selected: option.value === selected }));

const shownList = (list: RecordList, id: string, caption: string) => ({
  id,
  caption,
  count: list.count,
  more: Math.max(0, list.count - list.shown.length),
  records: list.shown.map((record) => ({ ...record, learner: withoutInvisibleFormat(record.learner) })),
});

const shownSummary = (summary: FileSummary, name: 'pars' | 'cpe', accreditor: string) => ({
  ...summary,
  late: shownList(
    summary.late,
    `${name}-late`,
    `Reportable, but completed more than ${PARS_LATE_AFTER_DAYS} days ago (late for boards)`,
  ),
  notReportable: shownList(
    summary.notReportable,
    `${name}-not-reportable`,
    `Not reportable to ${accreditor}, and why`,
  ),
});

export function exportsPage(input: {
  activities: ActivityView[];
  /** The query as sent, to show the admin's values back (valid or not). */
  query: unknown;
  filters?: RecordFilters;
  summary?: { pars: FileSummary; cpe: FileSummary };
  errors?: Record<string, string>;
}) {
  const values = formValues(input.query, RECORD_FILTER_FIELDS, 100);
  const creditTypes = new Map<string, string>();
  for (const activity of input.activities)
    for (const type of activity.creditTypes) creditTypes.set(type.code, type.label);
  const link = (path: string, extra: Record<string, string> = {}) =>
    input.filters ? pathWithQuery(path, { ...filterQuery(input.filters), ...extra }) : null;

  return {
    title: 'Exports',
    values,
    errors: input.errors ?? null,
    choices: {
      activities: options(
        input.activities.map((a) => ({ value: a.slug, label: a.title })),
        values.activity!,
      ),
      creditTypes: options(
        [...creditTypes].map(([value, label]) => ({ value, label })),
        values.creditType!,
      ),
      professions: options(
        professions.map((value) => ({ value, label: professionLabels[value] })),
        values.profession!,
      ),
      certificate: options(
        [
          { value: 'valid', label: 'Valid' },
          { value: 'revoked', label: 'Revoked' },
        ],
        values.certificate!,
      ),
      consent: options(
        [
          { value: 'yes', label: 'Consented to share' },
          { value: 'no', label: 'Did not consent' },
        ],
        values.consent!,
      ),
    },
    links: input.filters && {
      recordsCsv: link('/admin/exports/records.csv'),
      recordsCsvExcel: link('/admin/exports/records.csv', { bom: '1' }),
      parsXlsx: link('/admin/exports/pars.xlsx'),
      parsTxt: link('/admin/exports/pars.txt'),
      cpeCsv: link('/admin/exports/cpe-monitor.csv'),
      cpeTxt: link('/admin/exports/cpe-monitor.txt'),
    },
    activityCsvs: input.activities.map((a) => ({
      title: a.title,
      href: `/admin/activities/${a.slug}/records.csv`,
    })),
    pars: input.summary && shownSummary(input.summary.pars, 'pars', 'PARS'),
    cpe: input.summary && shownSummary(input.summary.cpe, 'cpe', 'CPE Monitor'),
    listedRecords: LISTED_RECORDS,
    parsLateAfterDays: PARS_LATE_AFTER_DAYS,
    cpeDeadlineDays: CPE_DEADLINE_DAYS,
    rules: {
      parsColumns: PARS_COLUMNS.map(({ header, rule }) => ({ header, rule })),
      parsRules: PARS_RULES.map((rule) => rule.requires),
      nameRule: NAME_RULE,
      cpeColumns: CPE_COLUMNS.map(({ header, rule }) => ({ header, rule })),
      cpeRules: CPE_RULES.map((rule) => rule.requires),
    },
  };
}
