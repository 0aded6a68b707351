// The README documents the accreditors' files from their one declarative map each: its tables and rule lists must
// say what the code does, so a change to a column or a rule without its documentation fails here.
import fs from 'node:fs';
import path from 'node:path';
import { CPE_COLUMNS, CPE_RULES } from '../../server/exports/cpe-columns';
import { PARS_COLUMNS, PARS_RULES } from '../../server/exports/pars-columns';
import { projectRoot } from '../support/app';

const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');

/** The part of the README under a `### ` heading, up to the next heading of that level or above. */
function section(heading: string): string {
  const start = readme.indexOf(`\n### ${heading}\n`);
  if (start < 0) throw new Error(`the README has no "### ${heading}"`);
  const rest = readme.slice(start + heading.length + 5);
  return rest.slice(0, rest.search(/\n#{2,3} /) >>> 0);
}

const tableRows = (text: string) =>
  [...text.matchAll(/^\| (\d+) \| (.+?) \| (.+) \|$/gm)].map(([, n, header, rule]) => ({
    n: Number(n),
    header,
    rule: rule!.replace(/\\\|/g, '|'),
  }));
const bullets = (text: string) => [...text.matchAll(/^- (.+)$/gm)].map(([, line]) => line);

describe.each([
  ['ACCME PARS learner file', PARS_COLUMNS, PARS_RULES],
  ['ACPE CPE Monitor file', CPE_COLUMNS, CPE_RULES],
] as const)('the README on the %s', (heading, columns, rules) => {
  it('when the columns are read from its table, then they are the map’s, in order, with their rules', () => {
    expect(tableRows(section(heading))).toEqual(
      columns.map((column, i) => ({ n: i + 1, header: column.header, rule: column.rule })),
    );
  });

  it('when the reportability rules are read from its list, then they are the map’s', () => {
    expect(bullets(section(heading))).toEqual(rules.map((rule) => rule.requires));
  });
});
