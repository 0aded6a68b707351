// Cross-site scripting through the item bank, in real headless Chromium (issue 12, "Hostile input in a real
// browser"). Educators type the XSS corpus (tests/browser/xss/corpus.ts) into every field of the item form (name,
// stem, options, rationale) and into review comments, import GIFT and Moodle XML files full of payloads
// (tests/fixtures/xss/), and a learner is served the hostile items in the post-test. Every page that shows them is
// opened by every role that can see it, with the app's CSP and without it: no payload may run (window.__xss stays
// undefined, no dialog, no CSP violation), leave markup behind or break the layout; escaped fields show the payload
// as text, Markdown fields at least each payload's id. Values the input layer refuses are refused with a 4xx.
import fs from 'node:fs';
import path from 'node:path';
import { answerKey } from '../support/factories';
import { projectRoot } from '../support/app';
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
import { inspect, inspectCurrent, type Findings, type Shown, type Viewer } from './xss/probe';
import { actor, inspectBoth, mustFit, openStage, type Actor, type Stage } from './xss/stage';

const activity = '/activities/renal-leiomyosarcoma';
const bank = '/items/renal-leiomyosarcoma';
const itemUrl = (id: number) => `${bank}/${id}`;
const fixtures = path.join(projectRoot, 'tests', 'fixtures', 'xss');

const ids = (at: string, list: Payload[]): Shown => ({ at, mode: 'ids', payloads: list });
const texts = (at: string, list: Payload[]): Shown => ({ at, mode: 'text', payloads: list });
const value = (at: string, text: string): Shown => ({ at, mode: 'value', value: text });
/** The payloads as JSON.stringify writes them inside a string (the audit log shows details as JSON). */
const asJson = (list: Payload[]) => list.map((p) => ({ ...p, text: JSON.stringify(p.text).slice(1, -1) }));
const joined = (list: Payload[], separator = '\n\n'): Packed => ({
  text: list.map((p) => p.text).join(separator),
  payloads: list,
});

// What each field can hold: stems and rationales take every payload but the control characters; options are one
// line; names (keys) refuse invisible format characters too.
const freePayloads = accepted(payloads, 'free');
// The actors' names: the author's and the admin's hold long unbroken words (x54, x33), the reviewer's x32.
const authorName = namePacks[2]!;
const reviewerName = namePacks[7]!;
const adminName = namePacks[10]!;
const learnerName = namePacks[0]!;
const keys = pack(accepted([...tinyPayloads, ...payloads], 'plain'), 100);
const options = pack(accepted(payloads, 'line'), 1000);
const comments = pack(freePayloads, 2000, '\n');

// The three hostile items, all for objective O1, whose starter items the admin retires: the post-test then draws
// exactly these three for O1.
const stemOne = joined(freePayloads);
const stemTwo = joined(freePayloads.filter((p) => ['markdown', 'url', 'template'].includes(p.kind)));
const stemThree = joined(freePayloads.filter((p) => ['attribute', 'closing', 'entity'].includes(p.kind)));
const rationaleOne = joined([...freePayloads].reverse());
const rationaleThree = joined(freePayloads.filter((p) => ['markup', 'unicode'].includes(p.kind)));
const editedStem = joined(freePayloads.filter((p) => p.kind !== 'markdown').reverse());

describeBrowser(
  'cross-site scripting through the item bank, its imports and the post-test, in a browser',
  () => {
    // Set-ups and the longer tests take several seconds; generous limits keep a loaded machine from failing them.
    jest.setTimeout(120_000);
    let stage: Stage;
    let author: Actor;
    let reviewer: Actor;
    let admin: Actor;
    let learner: Actor;
    const items: { id: number; key: Packed }[] = [];

    /** Creates an item over HTTP through the new-item form; returns its id. */
    async function createItem(by: Actor, fields: Fields): Promise<number> {
      const answer = await sendForm(by.open.context, `${bank}/new`, bank, fields);
      if (answer.status !== 303) throw new Error(`creating an item answered ${answer.status}`);
      return Number(/\/(\d+)\?/.exec(answer.location ?? '')![1]);
    }

    /** A review action from the item page's form (its lock version), with an optional comment. */
    async function act(by: Actor, id: number, action: string, comment = ''): Promise<void> {
      const answer = await sendForm(by.open.context, itemUrl(id), `${itemUrl(id)}/transition`, {
        action,
        comment,
      });
      if (answer.status !== 303) throw new Error(`${action} on item ${id} answered ${answer.status}`);
    }

    beforeAll(async () => {
      stage = await openStage();
      // One after the other: each is a transaction that hashes a password.
      author = await actor(stage, 'educator', { name: authorName });
      reviewer = await actor(stage, 'educator', { name: reviewerName });
      admin = await actor(stage, 'admin', { name: adminName });
      learner = await actor(stage, 'learner', { name: mustFit(learnerName, 'plain') });
    });

    afterAll(async () => {
      await stage?.close();
    });

    it('when an educator types the corpus into every field of the new-item form, then the item is saved as typed', async () => {
      const page = author.open.page;
      await page.goto(`${bank}/new`);
      const response = await typeAndSubmit(page, bank, {
        key: keys[0]!.text,
        type: 'single',
        stem: stemOne.text,
        optionA: options[0]!.text,
        optionB: options[1]!.text,
        optionC: options[2]?.text ?? 'A third option',
        correct: ['A'],
        rationale: rationaleOne.text,
        objectiveCode: 'O1',
      });
      expect(response.status()).toBe(303);
      const id = Number(/\/(\d+)\?done=created$/.exec(page.url())![1]);
      items.push({ id, key: keys[0]! });
      const stored = await stage.server.testApp.db.prisma.itemVersion.findFirstOrThrow({
        where: { itemId: id },
      });
      expect(stored.stem).toBe(stemOne.text);
      expect(stored.rationale).toBe(rationaleOne.text);
      expect((stored.options as { text: string }[]).map((o) => o.text).slice(0, 2)).toEqual([
        options[0]!.text,
        options[1]!.text,
      ]);
    });

    it('when the item form is sent with characters the input layer refuses, then it answers 4xx (never 5xx) and shows the form again as typed', async () => {
      const findings: Findings = [];
      const refusedFree = payloads.filter((p) => refusalOf(p.text, 'free') !== null);
      const refusedLine = payloads.filter((p) => refusalOf(p.text, 'line') !== null);
      const refusedPlain = payloads.filter((p) => refusalOf(p.text, 'plain') !== null);
      const statuses: Record<string, number> = {};
      const base = {
        key: 'refused-item',
        type: 'single',
        optionA: 'One',
        optionB: 'Two',
        correct: 'A',
        objectiveCode: 'O1',
      };
      for (const p of refusedFree) {
        const answer = await sendForm(author.open.context, `${bank}/new`, bank, { ...base, stem: p.text });
        statuses[`stem ${p.id}`] = answer.status;
      }
      for (const p of refusedLine) {
        const answer = await sendForm(author.open.context, `${bank}/new`, bank, {
          ...base,
          stem: 'A stem',
          optionB: p.text,
        });
        statuses[`option ${p.id}`] = answer.status;
      }
      for (const p of refusedPlain) {
        const answer = await sendForm(author.open.context, `${bank}/new`, bank, {
          ...base,
          stem: 'A stem',
          key: p.text,
        });
        statuses[`name ${p.id}`] = answer.status;
      }
      const expected = (list: Payload[], field: string, rules: 'free' | 'line' | 'plain') =>
        Object.fromEntries(
          list.map((p) => [`${field} ${p.id}`, refusalOf(p.text, rules) === 'nul' ? 400 : 422]),
        );
      expect(statuses).toEqual({
        ...expected(refusedFree, 'stem', 'free'),
        ...expected(refusedLine, 'option', 'line'),
        ...expected(refusedPlain, 'name', 'plain'),
      });

      // Typed in the browser: the backspace (a control character) in the stem; the form comes back with the stem as
      // typed in its textarea and nothing runs.
      const backspace = byId('x52');
      const page = author.open.page;
      await page.goto(`${bank}/new`);
      const response = await typeAndSubmit(page, bank, {
        ...base,
        key: 'refused-typed',
        stem: `${stemThree.text}\n\n${backspace.text}`,
      });
      findings.push(
        ...(await inspectCurrent(
          author.open,
          'new item refused',
          [
            ...author.header,
            value('#stem', `${stemThree.text}\n\n${backspace.text}`),
            ids('.error-message', []),
          ],
          response,
          422,
        )),
      );
      expect(
        await stage.server.testApp.db.prisma.item.count({ where: { key: { startsWith: 'refused' } } }),
      ).toBe(0);
      expect(findings).toEqual([]);
    });

    it('when more hostile items are written, reviewed with hostile comments and published, and the starter items of O1 retired, then O1 holds exactly the three hostile items', async () => {
      const two = await createItem(author, {
        key: keys[1]!.text,
        type: 'multiple',
        stem: stemTwo.text,
        optionA: tinyPayloads.map((p) => p.text).join(' '),
        optionB: options[0]!.text,
        optionC: options[1]!.text,
        correct: ['A', 'B'],
        rationale: stemThree.text,
        objectiveCode: 'O1',
      });
      const three = await createItem(author, {
        key: keys[2]!.text,
        type: 'true_false',
        stem: stemThree.text,
        correct: 'A',
        rationale: rationaleThree.text,
        objectiveCode: 'O1',
      });
      items.push({ id: two, key: keys[1]! }, { id: three, key: keys[2]! });
      for (const { id } of items) await act(author, id, 'submit');
      await act(reviewer, two, 'send-back', comments[0]!.text);
      await act(author, two, 'submit');
      for (const { id } of items) await act(reviewer, id, 'approve', comments[1]?.text ?? comments[0]!.text);

      const { prisma } = stage.server.testApp.db;
      const starters = await prisma.item.findMany({
        where: { objective: { code: 'O1' }, source: 'content', status: 'published' },
        select: { id: true },
      });
      for (const { id } of starters) await act(admin, id, 'retire', comments[0]!.text);
      const published = await prisma.item.findMany({
        where: { objective: { code: 'O1' }, status: 'published' },
        select: { id: true },
        orderBy: { id: 'asc' },
      });
      expect(published.map((row) => row.id)).toEqual(items.map((item) => item.id));

      // A new version of the first item (a draft over the live one): its history shows the change.
      const edit = await sendForm(
        author.open.context,
        `${itemUrl(items[0]!.id)}/edit`,
        itemUrl(items[0]!.id),
        {
          stem: editedStem.text,
        },
      );
      expect(edit.status).toBe(303);
    });

    it('when the learner takes the post-test, then the attempt and the result show the hostile stems, options and rationales as text and nothing runs', async () => {
      await stage.make.readLessons(learner.user);
      const start = await sendForm(
        learner.open.context,
        `${activity}/post-test`,
        `${activity}/post-test/attempts`,
        {},
      );
      expect(start.status).toBe(303);
      const attemptUrl = start.location!;
      const attemptId = Number(/attempts\/(\d+)$/.exec(attemptUrl)![1]);
      const stems = [...stemOne.payloads, ...stemTwo.payloads, ...stemThree.payloads];
      const optionPayloads = [...options[0]!.payloads, ...options[1]!.payloads, ...tinyPayloads];
      const findings = await inspectBoth(learner, attemptUrl, [
        ids('fieldset.question legend', stems),
        ids('fieldset.question label', optionPayloads),
      ]);
      await screenshot(learner.open.page, 'xss-post-test-attempt');

      const key = await answerKey(stage.server.testApp, attemptId);
      const answers = Object.fromEntries(
        Object.entries(key).map(([position, answer]) => [`q${position}`, answer]),
      );
      const submitted = await sendForm(learner.open.context, attemptUrl, attemptUrl, answers);
      expect(submitted.status).toBe(303);
      findings.push(
        ...(await inspectBoth(learner, submitted.location!, [
          ids('li.answer h3', stems),
          ids('li.answer li', optionPayloads),
          ids('li.answer', [...rationaleOne.payloads, ...rationaleThree.payloads]),
        ])),
      );
      await screenshot(learner.open.page, 'xss-post-test-result');
      expect(findings).toEqual([]);
    });

    it('when the educators and the admin open the bank, the items, their edit forms and histories and the analysis, then every hostile text is shown as text and nothing runs', async () => {
      const [one, two, three] = items;
      const keyPayloads = items.flatMap((item) => item.key.payloads);
      const authorNames = authorName.payloads;
      const findings: Findings = [];
      for (const who of [author, admin]) {
        findings.push(
          ...(await inspectBoth(who, bank, [
            texts('.item-list th a', keyPayloads),
            texts('#filter-author option', authorNames),
            ids('.item-list td', [...editedStem.payloads.slice(0, 2), ...stemTwo.payloads.slice(0, 2)]),
          ])),
        );
      }
      if (!one || !two || !three) throw new Error('the items were not made');
      const reviewerNames = reviewerName.payloads;
      findings.push(
        ...(await inspectBoth(author, itemUrl(one.id), [
          texts('h1', one.key.payloads),
          ids('.preview legend', editedStem.payloads),
          ids('.preview label', options[1]!.payloads),
          ids('.rationale', rationaleOne.payloads),
          texts('table', [...reviewerNames, ...comments[1]!.payloads]),
        ])),
        ...(await inspectBoth(reviewer, itemUrl(two.id), [
          texts('h1', two.key.payloads),
          ids('.preview legend', stemTwo.payloads),
          texts('table', [...comments[0]!.payloads, ...authorNames]),
        ])),
        ...(await inspectBoth(admin, itemUrl(three.id), [
          texts('h1', three.key.payloads),
          ids('.preview legend', stemThree.payloads),
        ])),
        ...(await inspectBoth(author, `${itemUrl(one.id)}/edit`, [
          texts('main', one.key.payloads),
          value('#stem', editedStem.text),
          value('#optionA', options[0]!.text),
          value('#optionB', options[1]!.text),
          value('#rationale', rationaleOne.text),
        ])),
        ...(await inspectBoth(author, `${itemUrl(one.id)}/history`, [
          texts('h1', one.key.payloads),
          ids('.diff-table td', editedStem.payloads),
          texts('.versions', authorNames),
        ])),
        ...(await inspectBoth(author, `${bank}/analysis`, [texts('#item-versions th a', keyPayloads)])),
      );
      await screenshot(author.open.page, 'xss-item-analysis');
      await author.open.page.goto(itemUrl(one.id));
      await screenshot(author.open.page, 'xss-item-page');
      expect(findings).toEqual([]);
    });

    it('when the educator searches the bank for payloads, then the search box holds them as typed and the matching rows are shown as text', async () => {
      const findings: Findings = [];
      const match = byId('x01');
      const nothing = byId('t01');
      for (const viewer of author.both) {
        for (const [query, rows] of [
          [match.text, 3],
          [nothing.text, 0],
        ] as const) {
          await viewer.page.goto(bank);
          await viewer.page.getByLabel('Stem contains').fill(query);
          await Promise.all([
            viewer.page.waitForURL((url) => url.searchParams.get('text') === query),
            viewer.page.getByRole('button', { name: 'Filter' }).click(),
          ]);
          findings.push(
            ...(await inspectCurrent(viewer, `bank search ${query}`, [
              ...author.header,
              value('#filter-text', query),
            ])),
          );
          // x01 is in the stem of the first item only (its working and live versions are one row); t01 in none.
          expect(await viewer.page.locator('.item-list tbody tr th a').count()).toBe(rows === 0 ? 0 : 1);
        }
      }
      expect(findings).toEqual([]);
    });

    it('when two educators save the same hostile item from stale forms, then the conflict page shows both texts as text', async () => {
      const one = items[0]!;
      const findings: Findings = [];
      await Promise.all(author.both.map((viewer) => viewer.page.goto(`${itemUrl(one.id)}/edit`)));
      const theirs = joined(freePayloads.filter((p) => p.kind === 'attribute' || p.kind === 'closing'));
      expect(
        (
          await sendForm(reviewer.open.context, `${itemUrl(one.id)}/edit`, itemUrl(one.id), {
            stem: theirs.text,
          })
        ).status,
      ).toBe(303);
      for (const viewer of author.both) {
        const response = await typeAndSubmit(viewer.page, itemUrl(one.id), { stem: stemTwo.text });
        findings.push(
          ...(await inspectCurrent(
            viewer,
            'edit conflict',
            [...author.header, value('#stem', stemTwo.text), ids('main', theirs.payloads)],
            response,
            409,
          )),
        );
      }
      await screenshot(author.open.page, 'xss-item-conflict');
      expect(findings).toEqual([]);
    });

    /** Uploads a fixture from the import page, in the viewer's browser; the preview is then the page it is on. */
    async function upload(viewer: Viewer, file: string, as: string) {
      await viewer.page.goto(`${bank}/import`);
      await viewer.page.getByLabel('File').setInputFiles({
        name: as,
        mimeType: 'application/octet-stream',
        buffer: fs.readFileSync(path.join(fixtures, file)),
      });
      const [response] = await Promise.all([
        viewer.page.waitForResponse((r) => r.request().method() === 'POST'),
        viewer.page.waitForEvent('load'),
        viewer.page.getByRole('button', { name: 'Upload and preview' }).click(),
      ]);
      return response;
    }

    it.each([
      // The payloads in the questions' names (the preview's name column), the ready ones and the refused ones (one
      // for its HTML, whose unclosed <style> would swallow the rest).
      {
        file: 'hostile.gift',
        as: `${byId('t01').text}.gift`,
        prefix: 'gift-',
        ready: ['x03', 'x16', 'x15', 't01', 't03', 'x23'],
        refused: ['x14', 'x12'],
      },
      {
        file: 'hostile.xml',
        as: `${byId('t03').text}.xml`,
        prefix: 'xml-',
        ready: ['x14', 'x16', 'x15', 't01'],
        refused: ['x12', 'x03'],
      },
    ])(
      'when the educator imports $file, named with a payload, then the preview, and the items created, show its payloads as text and nothing runs',
      async ({ file, as, prefix, ready, refused }) => {
        const findings: Findings = [];
        const fileId = as.slice(0, 3);
        for (const viewer of author.both) {
          const response = await upload(viewer, file, as);
          findings.push(
            ...(await inspectCurrent(
              viewer,
              `import preview of ${file}`,
              [
                ...author.header,
                ids('.lead strong', [byId(fileId)]),
                texts('.import-table th[scope=row]', [...ready, ...refused].map(byId)),
              ],
              response,
            )),
          );
          expect(await viewer.page.locator('table.import-table').first().locator('tbody tr').count()).toBe(
            ready.length,
          );
          expect(await viewer.page.locator('table.import-table').nth(1).locator('tbody tr').count()).toBe(
            refused.length,
          );
        }
        await screenshot(author.open.page, `xss-import-preview-${prefix.slice(0, -1)}`);

        // Confirmed from the last preview: the questions without an objective get O4.
        const page = author.open.page;
        for (const select of await page.locator('form select[name^=objective]').all())
          await select.selectOption('O4');
        const [confirm] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST'),
          page.waitForEvent('load'),
          page.getByRole('button', { name: /^Create \d+ draft item/ }).click(),
        ]);
        expect(confirm.status()).toBe(303);
        const created = await stage.server.testApp.db.prisma.item.findMany({
          where: { source: 'import', key: { startsWith: prefix } },
          select: { id: true, key: true },
        });
        expect(created).toHaveLength(ready.length);
        // The item pages are the authored items' template: the first two are opened, one with the CSP, one without.
        for (const [index, item] of created.slice(0, 2).entries()) {
          const idsInKey = [...item.key.matchAll(/\b([xt]\d\d)/g)].map((m) => byId(m[1]!));
          const viewer = author.both[index % 2]!;
          findings.push(
            ...(await inspect(viewer, itemUrl(item.id), [...author.header, texts('h1', idsInKey)])),
          );
        }
        findings.push(...(await inspectBoth(author, `${bank}?status=draft`, [])));
        await author.open.page.goto(itemUrl(created[0]!.id));
        await screenshot(author.open.page, `xss-imported-${prefix.slice(0, -1)}`);
        expect(findings).toEqual([]);
      },
    );

    it('when the admin reads the audit log, then the hostile names and comments of every entry are shown as text', async () => {
      const findings: Findings = [];
      const pages = Math.ceil((await stage.server.testApp.db.prisma.auditEntry.count()) / 50);
      let logText = '';
      for (let n = 1; n <= pages; n++) {
        findings.push(...(await inspectBoth(admin, `/admin/audit?page=${n}`)));
        logText += ` ${(await admin.open.page.locator('tbody').textContent()) ?? ''}`;
      }
      const everyone = [...authorName.payloads, ...reviewerName.payloads, ...adminName.payloads];
      const missing = [...everyone, ...asJson(comments[0]!.payloads)].filter(
        (p) => !squash(logText).includes(squash(p.text)),
      );
      expect(missing.map((p) => p.id)).toEqual([]);
      expect(findings).toEqual([]);
    });
  },
);
