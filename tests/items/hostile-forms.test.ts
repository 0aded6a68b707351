// The item bank's writes under hostile input (fast-check), with plausible forms the route table's suite does not
// know: a complete item form (create, edit with the item's live lock version) or review action with ONE field
// replaced by a hostile value, or any mix, sent by an educator as a form or as JSON. Never a 5xx; a 4xx changes
// nothing in the database. Seeded: FC_SEED replays; ITEM_HOSTILE_RUNS sets the number of cases per route.
import crypto from 'node:crypto';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../support/app';
import { csrfTokenFrom, signIn, type Agent } from '../support/client';
import { factories } from '../support/factories';
import { createItem, itemFields, uniqueKey } from '../support/items';
import { fingerprintReader, type FingerprintReader } from '../security/db-fingerprint';
import { encodeForm, encodeJson, formFields, type Fields, type Wire } from '../security/hostile-values';

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : crypto.randomInt(0, 2 ** 31 - 1);
const RUNS = Number(process.env.ITEM_HOSTILE_RUNS ?? 120);
const LOCK = '{lock version}';

let t: TestApp;
let educator: Agent;
let csrf: string;
let fingerprint: FingerprintReader;
let draftId: number;

beforeAll(async () => {
  console.log(
    `items hostile forms: seed ${SEED} (replay: FC_SEED=${SEED} npx jest tests/items/hostile-forms)`,
  );
  t = await createTestApp();
  const make = factories(t);
  educator = await signIn(t.app, (await make.user({ role: 'educator' })).email);
  csrf = await csrfTokenFrom(educator, '/account');
  draftId = await createItem(educator, { key: uniqueKey('target') });
  fingerprint = await fingerprintReader(t.pool);
});
afterAll(() => t.close());

const form = itemFields({ key: 'hostile-created' });
const spec: Record<string, (string | string[])[]> = {
  key: ['hostile-created', 'o1-female-predominance', ''],
  type: ['single', 'multiple', 'true_false'],
  stem: ['Which is right?', '**Bold** stem?', ''],
  rationale: ['Because.', ''],
  optionA: ['Alpha', ''],
  optionB: ['Beta', 'alpha'],
  optionC: ['Gamma', ''],
  optionD: ['', 'Delta'],
  optionE: [''],
  optionF: [''],
  correct: ['A', ['A', 'B'], 'F'],
  objectiveCode: ['O1', 'O4', '', 'O9'],
  sectionSlug: ['evaluation', '', 'nowhere'],
  references: ['1', ['1', '2'], '99'],
  lockVersion: [LOCK, '0', '-1', '99999999999'],
};
const validForm = Object.fromEntries(Object.entries(form).filter(([name]) => name !== 'key'));

const routes = [
  { name: 'create', path: () => '/items/renal-leiomyosarcoma', fields: formFields(spec, 2, [form]) },
  {
    name: 'edit',
    path: () => `/items/renal-leiomyosarcoma/${draftId}`,
    fields: formFields(spec, 2, [{ ...validForm, lockVersion: LOCK }]),
  },
  {
    name: 'transition',
    path: () => `/items/renal-leiomyosarcoma/${draftId}/transition`,
    fields: formFields(
      {
        action: ['submit', 'approve', 'send-back', 'retire', 'publish'],
        comment: ['', 'Please reword option B.'],
        lockVersion: [LOCK, '0'],
      },
      2,
      [
        { action: 'submit', comment: '', lockVersion: LOCK },
        { action: 'send-back', comment: 'Reword it.', lockVersion: LOCK },
      ],
    ),
  },
];

/** The placeholder for the target's lock version, resolved when the request is sent (it moves with every write). */
function resolve(value: Wire, lock: string): Wire {
  if (value.t === 'str') return value.v === LOCK ? { t: 'str', v: lock } : value;
  if (value.t === 'arr') return { t: 'arr', v: value.v.map((v) => resolve(v, lock)) };
  return value;
}

describe('hostile item forms', () => {
  it.each(routes)(
    'POST $name: never a 5xx, and a 4xx changes nothing',
    async (route) => {
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('form', 'json'), route.fields, async (encoding, fields: Fields) => {
          const lock = String(
            (await t.db.prisma.item.findUniqueOrThrow({ where: { id: draftId } })).lockVersion,
          );
          const resolved: Fields = fields.map(([name, value]) => [name, resolve(value, lock)]);
          const before = await fingerprint.read();
          const req = educator.post(route.path()).set('X-CSRF-Token', csrf);
          const res =
            encoding === 'form'
              ? await req.type('form').send(encodeForm(resolved).toString('latin1'))
              : await req
                  .set('Content-Type', 'application/json')
                  .set('Accept', 'application/json')
                  .send(encodeJson({ t: 'obj', v: resolved }).toString('utf8'));
          const after = await fingerprint.read();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500) failures.push(`${res.status} for ${JSON.stringify(resolved).slice(0, 300)}`);
          if (
            res.status >= 400 &&
            res.status < 500 &&
            JSON.stringify(after.fingerprint) !== JSON.stringify(before.fingerprint)
          )
            failures.push(`${res.status} changed the database for ${JSON.stringify(resolved).slice(0, 300)}`);
          return failures.length === 0;
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      console.log(`POST ${route.name}: answers ${JSON.stringify(Object.fromEntries(statuses))}`);
      expect(failures).toEqual([]);
      // The ordinary path ran too: some cases were accepted (a redirect), others refused.
      expect(statuses.get(303)).toBeGreaterThan(0);
    },
    300_000,
  );
});
