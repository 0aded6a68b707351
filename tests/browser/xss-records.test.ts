// Cross-site scripting through completion records, in real headless Chromium (issue 12, "Hostile input in a real
// browser"). Learners register with the XSS corpus (tests/browser/xss/corpus.ts) in every text field of their
// profile, complete the activity and answer the evaluation's free-text questions with it; the admin corrects and
// revokes their certificates with hostile reasons. Then every page that shows those texts is opened by every role
// that can see it, with the app's CSP and without it: the records list (and its learner filter) and each record,
// the verification page (also anonymously), My CE, the reports' free-text answers (and their search) and the audit
// log. No payload may run, leave markup behind or break the layout, and each is shown as text; values the input
// layer refuses are refused with a 4xx, never a 5xx.
import type { User } from '../../server/generated/prisma/client';
import { describeBrowser, screenshot } from '../support/browser';
import {
  accepted,
  byId,
  namePacks,
  pack,
  payloads,
  refusalOf,
  squash,
  tinyPayloads,
  type Packed,
  type Payload,
} from './xss/corpus';
import { sendForm, typeAndSubmit, type Fields } from './xss/forms';
import {
  inspect,
  inspectCurrent,
  learnNav,
  openViewer,
  type Findings,
  type Shown,
  type Viewer,
} from './xss/probe';
import { actor, inspectBoth, openStage, register, type Actor, type Stage } from './xss/stage';

const activity = '/activities/renal-leiomyosarcoma';
const report = '/reports/renal-leiomyosarcoma';

const texts = (at: string, list: Payload[]): Shown => ({ at, mode: 'text', payloads: list });
const value = (at: string, text: string): Shown => ({ at, mode: 'value', value: text });
const asJson = (list: Payload[]) => list.map((p) => ({ ...p, text: JSON.stringify(p.text).slice(1, -1) }));
/** The payloads of the list that fit in `max` characters, packed. */
const fitted = (list: Payload[], max: number, separator = ' ') =>
  pack(
    list.filter((p) => p.text.length <= max),
    max,
    separator,
  );

// What each profile field can hold (server/account/validation.ts): names, degrees and identifiers are plain text.
const plain = accepted([...payloads, ...tinyPayloads], 'plain');
const degrees = fitted(plain, 60);
const licences = fitted(plain, 30);
const boards = fitted(plain, 100);
const boardIds = fitted(plain, 40);
// The evaluation's answers (2,000) and the records' reasons (500) are multi-line free text.
const free = accepted(payloads, 'free');
const answers = pack(free, 2000, '\n');
const reasons = pack(free, 500, '\n');

interface Learner {
  user: User;
  viewer: Viewer;
  name: Packed;
  degree: Packed;
  licence: Packed;
  board: Packed;
  boardId: Packed;
  claimId: number;
  /** The certificate codes, oldest first (a correction supersedes the first). */
  codes: string[];
  change: Packed;
  bias: Packed;
}

describeBrowser(
  'cross-site scripting through completion records, reports and verification, in a browser',
  () => {
    // Set-ups and the longer tests take several seconds; generous limits keep a loaded machine from failing them.
    jest.setTimeout(120_000);
    let stage: Stage;
    let admin: Actor;
    let educator: Actor;
    let visitor: [Viewer, Viewer];
    const learners: Learner[] = [];
    /** Learner 0 as an actor with both browsers, for the learner's own pages. */
    let first: Actor;
    const corrected: { learner: Learner; reason: Packed }[] = [];
    const revoked: { learner: Learner; reason: Packed }[] = [];
    const findings: Findings = [];

    const currentCode = async (claimId: number) =>
      (
        await stage.server.testApp.db.prisma.certificate.findFirstOrThrow({
          where: { claimId, supersededAt: null },
        })
      ).code;

    beforeAll(async () => {
      stage = await openStage();
      admin = await actor(stage, 'admin', { name: namePacks[15] });
      educator = await actor(stage, 'educator', { name: namePacks[14] });
      // An educator reads the reports of the activities they author: one item makes them an author.
      const item = await sendForm(
        educator.open.context,
        '/items/renal-leiomyosarcoma/new',
        '/items/renal-leiomyosarcoma',
        {
          key: 'reporting-educator-item',
          type: 'true_false',
          stem: 'Renal LMS arises from smooth muscle.',
          correct: 'A',
          objectiveCode: 'O1',
        },
      );
      expect(item.status).toBe(303);
      visitor = [
        await openViewer(stage.browser, stage.server.baseUrl, 'visitor', true),
        await openViewer(stage.browser, stage.server.baseUrl, 'visitor', false),
      ];
      await Promise.all(visitor.map((viewer) => learnNav(viewer)));
    });

    afterAll(async () => {
      await stage?.close();
    });

    it('when learners register with the corpus in every text field of the profile, complete the activity and answer the evaluation with it, then everything is stored as typed', async () => {
      const learnerCount = 8;
      for (let i = 0; i < learnerCount; i++) {
        const pick = <T>(list: T[]) => list[i % list.length]!;
        const fields = {
          name: namePacks[i]!,
          degree: pick(degrees),
          licence: pick(licences),
          board: pick(boards),
          boardId: pick(boardIds),
          change: pick(answers),
          bias: answers[(i + 1) % answers.length]!,
        };
        const registration: Fields = {
          fullName: fields.name.text,
          degree: fields.degree.text,
          profession: i % 2 === 0 ? 'physician' : 'nurse',
          licenseState: 'CA',
          licenseNumber: fields.licence.text,
          certifyingBoard: fields.board.text,
          boardId: fields.boardId.text,
          consentToShare: 'on',
        };
        // The first learner gets both browsers (its own pages are inspected); the others one, to send their forms.
        let who: { user: User; open: Viewer };
        if (i === 0)
          who = first = await actor(stage, 'learner', { register: registration, name: fields.name });
        else {
          const viewer = await openViewer(stage.browser, stage.server.baseUrl, 'learner', false);
          who = { user: await register(stage, viewer, registration), open: viewer };
        }
        await stage.make.scoredAttempt(who.user);
        const evaluation: Fields = {
          objective_O1: '5',
          objective_O2: '4',
          objective_O3: '5',
          objective_O4: '4',
          relevance: '4',
          freeOfBias: 'no',
          biasComment: fields.bias.text,
          intendedChange: fields.change.text,
          overallQuality: '5',
        };
        if (i === 0) {
          // The first learner types the answers into the evaluation form.
          await who.open.page.goto(`${activity}/evaluation`);
          const response = await typeAndSubmit(who.open.page, `${activity}/evaluation`, evaluation);
          expect(response.status()).toBe(303);
        } else {
          if (i === 1) {
            // Typed without the ratings: the form comes back, 422, with the answers as typed.
            const page = who.open.page;
            await page.goto(`${activity}/evaluation`);
            const typed = {
              biasComment: fields.bias.text,
              intendedChange: fields.change.text,
              freeOfBias: 'no',
            };
            const response = await typeAndSubmit(page, `${activity}/evaluation`, typed);
            const shown = [
              value('#biasComment', fields.bias.text),
              value('#intendedChange', fields.change.text),
            ];
            findings.push(...(await inspectCurrent(who.open, 'evaluation sent back', shown, response, 422)));
          }
          const sent = await sendForm(
            who.open.context,
            `${activity}/evaluation`,
            `${activity}/evaluation`,
            evaluation,
          );
          expect(sent.status).toBe(303);
        }
        const claim = await sendForm(who.open.context, `${activity}/claim`, `${activity}/claim`, {
          attest: 'on',
          amount: '0.5',
        });
        expect(claim.status).toBe(303);
        const stored = await stage.server.testApp.db.prisma.creditClaim.findFirstOrThrow({
          where: { userId: who.user.id },
        });
        learners.push({
          ...fields,
          user: who.user,
          viewer: who.open,
          claimId: stored.id,
          codes: [await currentCode(stored.id)],
        });
      }
      const row = await stage.server.testApp.db.prisma.user.findUniqueOrThrow({
        where: { id: learners[0]!.user.id },
      });
      expect([row.fullName, row.degree, row.licenseNumber, row.certifyingBoard, row.boardId]).toEqual([
        learners[0]!.name.text,
        learners[0]!.degree.text,
        learners[0]!.licence.text,
        learners[0]!.board.text,
        learners[0]!.boardId.text,
      ]);
      const evaluation = await stage.server.testApp.db.prisma.evaluation.findFirstOrThrow({
        where: { userId: row.id },
      });
      // Typed into a textarea, the line breaks arrive (and are kept) as CRLF.
      const lf = (text: string | null) => text?.replace(/\r\n/g, '\n');
      expect([lf(evaluation.intendedChange), lf(evaluation.biasComment)]).toEqual([
        learners[0]!.change.text,
        learners[0]!.bias.text,
      ]);
      expect(findings.splice(0)).toEqual([]);
    });

    it('when the admin corrects and revokes certificates with hostile reasons, typed and sent, then the reasons are stored as typed', async () => {
      for (const [i, reason] of reasons.entries()) {
        const learner = learners[i]!;
        const page = `/admin/records/${learner.claimId}`;
        if (i === 0) {
          await admin.open.page.goto(page);
          const response = await typeAndSubmit(admin.open.page, `${page}/correct`, {
            amount: '0.25',
            reason: reason.text,
          });
          expect(response.status()).toBe(303);
        } else {
          expect(
            (
              await sendForm(admin.open.context, page, `${page}/correct`, {
                amount: '0.25',
                reason: reason.text,
              })
            ).status,
          ).toBe(303);
        }
        learner.codes.push(await currentCode(learner.claimId));
        corrected.push({ learner, reason });
      }
      for (const [i, reason] of reasons.entries()) {
        const learner = learners[i + 1]!;
        const page = `/admin/records/${learner.claimId}`;
        if (i === 0) {
          await admin.open.page.goto(page);
          const response = await typeAndSubmit(admin.open.page, `${page}/revoke`, { reason: reason.text });
          expect(response.status()).toBe(303);
        } else if (i === 1) {
          // From the verification page's own revoke form.
          const code = learner.codes.at(-1)!;
          const sent = await sendForm(
            admin.open.context,
            `/verify/${code}`,
            `/admin/certificates/${code}/revoke`,
            { reason: reason.text },
          );
          expect(sent.status).toBe(303);
        } else {
          expect(
            (await sendForm(admin.open.context, page, `${page}/revoke`, { reason: reason.text })).status,
          ).toBe(303);
        }
        revoked.push({ learner, reason });
      }
      const stored = await stage.server.testApp.db.prisma.certificate.findFirstOrThrow({
        where: { code: revoked[0]!.learner.codes.at(-1)! },
      });
      expect(stored.revokedReason?.replace(/\r\n/g, '\n')).toBe(revoked[0]!.reason.text);
    });

    it('when a form is sent with characters the input layer refuses, then it answers 400 or 422 (never 5xx), stores nothing and shows the form again as typed, as text', async () => {
      const learner = learners.at(-1)!;
      const page = `/admin/records/${learner.claimId}`;
      const statuses: Record<string, number> = {};
      const refusedFree = payloads.filter((p) => refusalOf(p.text, 'free') !== null);
      const refusedPlain = payloads.filter((p) => refusalOf(p.text, 'plain') !== null);
      for (const p of refusedFree) {
        statuses[`revoke reason ${p.id}`] = (
          await sendForm(admin.open.context, page, `${page}/revoke`, { reason: p.text })
        ).status;
        statuses[`correction reason ${p.id}`] = (
          await sendForm(admin.open.context, page, `${page}/correct`, { amount: '0.25', reason: p.text })
        ).status;
      }
      for (const p of refusedPlain) {
        const context = visitor[1].context;
        const register = {
          fullName: p.text,
          email: `refused.${p.id}@example.org`,
          profession: 'nurse',
          degree: 'RN',
          password: 'correct horse battery staple',
        };
        statuses[`registration name ${p.id}`] = (
          await sendForm(context, '/register', '/register', register)
        ).status;
        statuses[`profile degree ${p.id}`] = (
          await sendForm(first.open.context, '/account', '/account', { degree: p.text })
        ).status;
      }
      const expected = Object.fromEntries(
        [
          ...refusedFree.flatMap((p) =>
            [`revoke reason ${p.id}`, `correction reason ${p.id}`].map(
              (k) => [k, refusalOf(p.text, 'free')] as const,
            ),
          ),
          ...refusedPlain.flatMap((p) =>
            [`registration name ${p.id}`, `profile degree ${p.id}`].map(
              (k) => [k, refusalOf(p.text, 'plain')] as const,
            ),
          ),
        ].map(([k, why]) => [k, why === 'nul' ? 400 : 422]),
      );
      expect(statuses).toEqual(expected);
      const { prisma } = stage.server.testApp.db;
      expect(await prisma.certificate.count({ where: { claimId: learner.claimId } })).toBe(1);
      expect(await prisma.user.count({ where: { email: { startsWith: 'refused.' } } })).toBe(0);

      // Typed into the pages: the revoke reason with a backspace, a name with a right-to-left override.
      const backspace = `${reasons[0]!.text}\n${byId('x52').text}`;
      for (const viewer of admin.both) {
        await viewer.page.goto(page);
        const response = await typeAndSubmit(viewer.page, `${page}/revoke`, { reason: backspace });
        findings.push(
          ...(await inspectCurrent(
            viewer,
            'revoke refused',
            [...admin.header, value('#revoke-reason', backspace)],
            response,
            422,
          )),
        );
      }
      const override = `${byId('x50').text} ${namePacks[0]!.payloads[0]!.text}`.slice(0, 200);
      for (const viewer of visitor) {
        await viewer.page.goto('/register');
        const response = await typeAndSubmit(viewer.page, '/register', {
          fullName: override,
          email: 'refused.typed@example.org',
          profession: 'nurse',
          degree: degrees[0]!.text,
          password: 'correct horse battery staple',
        });
        findings.push(
          ...(await inspectCurrent(
            viewer,
            'registration refused',
            [value('#fullName', override), value('#degree', degrees[0]!.text)],
            response,
            422,
          )),
        );
      }
      expect(await prisma.user.count({ where: { email: { startsWith: 'refused.' } } })).toBe(0);
      expect(findings.splice(0)).toEqual([]);
    });

    it('when the admin opens the records list, filters it with payloads and opens each record, then every hostile text is shown as text and nothing runs', async () => {
      findings.push(
        ...(await inspectBoth(admin, '/admin/records', [
          texts(
            '#records td a',
            learners.flatMap((l) => l.name.payloads),
          ),
          texts(
            '#records',
            learners.flatMap((l) => l.degree.payloads),
          ),
        ])),
      );
      await screenshot(admin.open.page, 'xss-records-list');
      // The learner filter, typed: a payload that matches the first learner, and one that matches nobody.
      for (const viewer of admin.both) {
        for (const [query, rows] of [
          [learners[0]!.name.payloads[0]!.text.slice(0, 100), 1],
          [byId('t03').text, 0],
        ] as const) {
          await viewer.page.goto('/admin/records');
          await viewer.page.getByLabel('Learner (name or email)').fill(query);
          await Promise.all([
            viewer.page.waitForURL((url) => url.searchParams.get('learner') === query),
            viewer.page.getByRole('button', { name: 'Show records' }).click(),
          ]);
          findings.push(
            ...(await inspectCurrent(viewer, `records filtered by ${query}`, [
              ...admin.header,
              value('#learner', query),
            ])),
          );
          expect(await viewer.page.locator('#records tbody tr').count()).toBe(rows);
        }
      }
      // A filter the input layer refuses (a control character): the form comes back with it, 422.
      const refusedQuery = `${byId('x14').text}\t`;
      findings.push(
        ...(await inspectBoth(
          admin,
          `/admin/records?learner=${encodeURIComponent(refusedQuery)}`,
          [value('#learner', refusedQuery)],
          422,
        )),
      );

      for (const learner of learners.slice(0, reasons.length + 1)) {
        const correction = corrected.find((c) => c.learner === learner);
        const revocation = revoked.find((r) => r.learner === learner);
        findings.push(
          ...(await inspectBoth(admin, `/admin/records/${learner.claimId}`, [
            texts('h1', learner.name.payloads),
            texts('#learner-facts', [
              ...learner.name.payloads,
              ...learner.degree.payloads,
              ...learner.licence.payloads,
              ...learner.board.payloads,
              ...learner.boardId.payloads,
            ]),
            texts('#evaluation', [...learner.change.payloads, ...learner.bias.payloads]),
            ...(correction
              ? [texts('#corrections', [...correction.reason.payloads, ...admin.header[0]!.payloads!])]
              : []),
            ...(revocation
              ? [texts('#certificates', [...revocation.reason.payloads, ...admin.header[0]!.payloads!])]
              : []),
          ])),
        );
      }
      await admin.open.page.goto(`/admin/records/${revoked[0]!.learner.claimId}`);
      await screenshot(admin.open.page, 'xss-record');
      expect(findings.splice(0)).toEqual([]);
    });

    it('when anyone opens the verification pages of revoked and superseded certificates, and types payloads into the code box, then the names and reasons are shown as text and nothing runs', async () => {
      // Each page once, with and without the CSP in turn (the first in both).
      for (const [n, { learner, reason }] of revoked.entries()) {
        for (const viewer of n === 0 ? visitor : [visitor[n % 2]!]) {
          findings.push(
            ...(await inspect(viewer, `/verify/${learner.codes.at(-1)!}`, [
              texts('#revoked-reason', reason.payloads),
              texts('#certificate-facts', learner.name.payloads),
            ])),
          );
        }
      }
      await screenshot(visitor[1].page, 'xss-verify-revoked');
      for (const [n, { learner }] of corrected.entries()) {
        findings.push(
          ...(await inspect(visitor[n % 2]!, `/verify/${learner.codes[0]!}`, [
            texts('#certificate-facts', learner.name.payloads),
          ])),
        );
      }
      const { learner, reason } = revoked[0]!;
      findings.push(
        ...(await inspectBoth(admin, `/verify/${learner.codes.at(-1)!}`, [
          texts('#revoked-reason', reason.payloads),
        ])),
        ...(await inspectBoth(first, `/verify/${learners[0]!.codes.at(-1)!}`, [
          texts('#certificate-facts', learners[0]!.name.payloads),
        ])),
        ...(await inspectBoth(first, '/my-ce')),
      );
      // The code box sends back what was typed when it is not a code (at most 100 characters kept).
      for (const viewer of visitor) {
        for (const typed of [byId('x19').text, tinyPayloads.map((p) => p.text).join('')]) {
          await viewer.page.goto('/verify');
          await viewer.page.getByLabel('Certificate code').fill(typed);
          const [response] = await Promise.all([
            viewer.page.waitForResponse((r) => new URL(r.url()).pathname === '/verify'),
            viewer.page.getByRole('button', { name: 'Verify' }).click(),
          ]);
          await viewer.page.waitForLoadState('load');
          findings.push(
            ...(await inspectCurrent(
              viewer,
              `verify ${typed}`,
              [value('#code', typed.slice(0, 100))],
              response,
              422,
            )),
          );
        }
      }
      expect(findings.splice(0)).toEqual([]);
    });

    it('when the educator and the admin read the report, and search its free-text answers with payloads, then the answers and the search are shown as text and nothing runs', async () => {
      const all = answers.flatMap((a) => a.payloads);
      for (const reader of [educator, admin]) {
        findings.push(...(await inspectBoth(reader, report, [texts('#answers-table', all)])));
      }
      await educator.open.page.goto(`${report}#answers`);
      await screenshot(educator.open.page, 'xss-report');
      for (const viewer of educator.both) {
        for (const [query, found] of [
          [byId('x21').text, true],
          [`${byId('t01').text}${byId('t03').text}`, false],
        ] as const) {
          await viewer.page.goto(report);
          await viewer.page.getByLabel('Search the answers').fill(query);
          await Promise.all([
            viewer.page.waitForURL((url) => url.searchParams.get('q') === query),
            viewer.page.getByRole('button', { name: 'Search' }).click(),
          ]);
          const where = found ? '#answers-table caption' : '#no-answers';
          findings.push(
            ...(await inspectCurrent(viewer, `report search ${query}`, [
              ...educator.header,
              value('#q', query),
              texts(where, [byId(query.slice(0, 3))]),
            ])),
          );
          expect(await viewer.page.locator('#answers-table tbody tr').count()).toBe(
            found ? learners.length : 0,
          );
        }
      }
      // A search the input layer refuses (a control character) is a 400 page that does not echo it.
      findings.push(
        ...(await inspectBoth(
          educator,
          `${report}?q=${encodeURIComponent(`${byId('x03').text}\u0008`)}`,
          [],
          400,
        )),
      );
      expect(findings.splice(0)).toEqual([]);
    });

    it("when the admin reads the audit log, then the learners' names and the reasons are shown as text and nothing runs", async () => {
      const pages = Math.ceil((await stage.server.testApp.db.prisma.auditEntry.count()) / 50);
      let logText = '';
      for (let n = 1; n <= pages; n++) {
        findings.push(...(await inspectBoth(admin, `/admin/audit?page=${n}`)));
        logText += ` ${(await admin.open.page.locator('tbody').textContent()) ?? ''}`;
      }
      const expected = [
        ...learners.flatMap((l) => l.name.payloads),
        ...asJson([...corrected, ...revoked].flatMap((r) => r.reason.payloads)),
      ];
      expect(expected.filter((p) => !squash(logText).includes(squash(p.text))).map((p) => p.id)).toEqual([]);
      expect(findings.splice(0)).toEqual([]);
    });
  },
);
