// Report tests' data: the factories' steps, plus an evaluation with chosen answers and a claim on a chosen day,
// both through the real credit service (the factories' evaluation always gives the same answers). Also how the
// report page reads, for the assertions.
import * as cheerio from 'cheerio';
import type { ActivityView } from '../../server/catalogue/view-model';
import { createCreditService, type EvaluationInput } from '../../server/credit/service';
import type { TestApp } from '../support/app';
import type { Agent } from '../support/client';
import { firstActivity } from '../support/factories';

export const reportUrl = `/reports/${firstActivity}`;

export function creditSteps(t: TestApp) {
  const credit = (at: Date) => createCreditService({ prisma: t.db.prisma, now: () => at });
  const activity = async (): Promise<ActivityView> => (await t.catalogue.find(firstActivity))!;
  return {
    /** Submits this evaluation as the evaluation form would, on `at`. */
    evaluate: async (of: { id: number }, input: EvaluationInput, at: Date = t.now()) =>
      credit(at).submitEvaluation(of.id, await activity(), input),
    /** Claims credit on `at` (the evaluation done), issuing the certificate. */
    claim: async (of: { id: number }, at: Date = t.now(), amount = 0.5) =>
      credit(at).claim(of.id, await activity(), amount),
  };
}

/** An evaluation with these ratings per objective (O1…O4) and the rest as given. */
export const evaluationInput = (
  objectives: [number, number, number, number],
  rest: Omit<EvaluationInput, 'objectiveRatings'>,
): EvaluationInput => ({
  objectiveRatings: { O1: objectives[0], O2: objectives[1], O3: objectives[2], O4: objectives[3] },
  ...rest,
});

/** The rows of a report table as text cells (row header first), keyed by the row's data attribute. */
export function tableRows($: cheerio.CheerioAPI, tableId: string, key: string): Record<string, string[]> {
  return Object.fromEntries(
    $(`#${tableId} tbody tr`)
      .toArray()
      .map((tr) => [
        $(tr).attr(`data-${key}`) ?? '',
        $(tr)
          .children('th, td')
          .toArray()
          .map((cell) => $(cell).text().replace(/\s+/g, ' ').trim()),
      ]),
  );
}

export async function readReport(agent: Agent, query: Record<string, string> = {}) {
  const res = await agent.get(reportUrl).query(query);
  expect(res.status).toBe(200);
  return cheerio.load(res.text);
}

/** The free-text answers listed: [submitted, intended change, bias comment] per row, and the pager's links. */
export function answersOf($: cheerio.CheerioAPI) {
  return {
    rows: $('#answers-table tbody tr')
      .toArray()
      .map((tr) =>
        $(tr)
          .children('th, td')
          .toArray()
          .map((cell) => $(cell).text().trim()),
      ),
    ids: $('#answers-table tbody tr')
      .toArray()
      .map((tr) => Number($(tr).attr('data-evaluation'))),
    next: $('.pager a[rel=next]').attr('href') ?? null,
    first: $('.pager a[rel=first]').attr('href') ?? null,
  };
}
