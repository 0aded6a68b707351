// Review over HTTP: submit, approve (never by the version's author), send back (with a comment), retire; each move
// one transaction with its transition row and audit entry; stale pages and illegal moves refused with 409; the
// live version drawn until a revision is published; past attempts unchanged by edits and publication.
import * as cheerio from 'cheerio';
import { createTestApp, type TestApp } from '../support/app';
import { signIn, type Agent } from '../support/client';
import { factories, type Factories } from '../support/factories';
import {
  act,
  createItem,
  editFormOf,
  itemUrl,
  lockVersionOn,
  saveEdit,
  storedItem,
  uniqueKey,
} from '../support/items';
import { activityPath } from '../support/journey';

let t: TestApp;
let make: Factories;
let alice: Agent; // educator, the author
let bruno: Agent; // educator, the reviewer
let ada: Agent; // admin
let aliceId: number;
beforeAll(async () => {
  t = await createTestApp();
  make = factories(t);
  const [a, b, admin] = await Promise.all([
    make.user({ role: 'educator', fullName: 'Alice Author' }),
    make.user({ role: 'educator', fullName: 'Bruno Reviewer' }),
    make.user({ role: 'admin', fullName: 'Ada Admin' }),
  ]);
  aliceId = a.id;
  [alice, bruno, ada] = await Promise.all([
    signIn(t.app, a.email),
    signIn(t.app, b.email),
    signIn(t.app, admin.email),
  ]);
});
afterAll(() => t.close());

/** Everything a refused move must leave as it was. */
const snapshot = async (id: number) => ({
  item: await storedItem(t, id),
  audit: await t.db.prisma.auditEntry.count(),
});

describe('review', () => {
  it('when the author submits and another educator approves, then the item is published with its transitions and audit entries', async () => {
    const id = await createItem(alice, { key: uniqueKey('reviewed') });
    expect((await act(alice, id, 'submit')).status).toBe(303);
    expect(await storedItem(t, id)).toMatchObject({ status: 'in_review', lockVersion: 1 });

    // The author is not offered approval, and is refused it.
    const page = cheerio.load((await alice.get(itemUrl(id)).expect(200)).text);
    expect(page('button[value=approve]')).toHaveLength(0);
    expect(page('[role=note]').text()).toContain('Nobody publishes their own edit');
    const before = await snapshot(id);
    const own = await act(alice, id, 'approve');
    expect(own.status).toBe(409);
    expect(cheerio.load(own.text)('main').text()).toContain('nobody publishes their own edit');
    expect(await snapshot(id)).toEqual(before);

    const approved = await act(bruno, id, 'approve', 'Clear and well sourced.');
    expect(approved.status).toBe(303);
    expect(approved.headers.location).toBe(`${itemUrl(id)}?done=approve`);
    const item = await storedItem(t, id);
    expect(item).toMatchObject({
      status: 'published',
      publishedVersionId: item.versions[0]!.id,
      lockVersion: 2,
    });
    expect(item.versions[0]!.state).toBe('published');
    expect(item.transitions.map((tr) => tr.actorId).slice(0, 2)).toEqual([aliceId, aliceId]);
    expect(item.transitions.map((tr) => [tr.fromStatus, tr.toStatus, tr.comment])).toEqual([
      [null, 'draft', null],
      ['draft', 'in_review', null],
      ['in_review', 'published', 'Clear and well sourced.'],
    ]);
    const audit = await t.db.prisma.auditEntry.findMany({
      where: { targetType: 'item', targetId: String(id) },
      orderBy: { id: 'asc' },
      include: { actor: { select: { fullName: true } } },
    });
    expect(audit.map((a) => [a.action, a.actor?.fullName])).toEqual([
      ['item.create', 'Alice Author'],
      ['item.submit', 'Alice Author'],
      ['item.approve', 'Bruno Reviewer'],
    ]);
    expect(audit[2]!.details).toMatchObject({
      from: 'in_review',
      to: 'published',
      comment: 'Clear and well sourced.',
    });
    const $ = cheerio.load((await bruno.get(`${itemUrl(id)}?done=approve`).expect(200)).text);
    expect($('[role=status]').first().text()).toContain('approved and published');
    expect($('table tbody tr').last().find('td').eq(1).text()).toBe('Bruno Reviewer');
  });

  it('when a reviewer sends an item back without a comment, then the page asks for one (422) and nothing changes; with one, it is a draft again', async () => {
    const id = await createItem(alice, { key: uniqueKey('sent-back') });
    await act(alice, id, 'submit');
    const before = await snapshot(id);
    const bare = await act(bruno, id, 'send-back', '   ');
    expect(bare.status).toBe(422);
    expect(cheerio.load(bare.text)('#comment-error').text()).toBe(
      'Say what needs to change: a comment is required to send an item back.',
    );
    expect(await snapshot(id)).toEqual(before);
    expect((await act(bruno, id, 'send-back', 'Option B is also defensible.')).status).toBe(303);
    const item = await storedItem(t, id);
    expect(item.status).toBe('draft');
    expect(item.transitions.at(-1)).toMatchObject({
      fromStatus: 'in_review',
      toStatus: 'draft',
      comment: 'Option B is also defensible.',
    });
    // The author of the version cannot send it back (they edit it instead).
    await act(alice, id, 'submit');
    expect((await act(alice, id, 'send-back', 'withdrawing')).status).toBe(409);
  });

  it('when a move is not allowed from where the item is, or the page is stale, then it is refused with 409 and nothing changes', async () => {
    const id = await createItem(alice, { key: uniqueKey('illegal') });
    const before = await snapshot(id);
    const approveDraft = await act(bruno, id, 'approve');
    expect(approveDraft.status).toBe(409);
    expect(cheerio.load(approveDraft.text)('main').text()).toContain(
      'Only a version in review can be approved',
    );
    expect(await snapshot(id)).toEqual(before);

    const stale = await lockVersionOn(bruno, id);
    await act(alice, id, 'submit');
    const after = await snapshot(id);
    const late = await act(bruno, id, 'approve', '', stale);
    expect(late.status).toBe(409);
    expect(cheerio.load(late.text)('main').text()).toContain('This item changed since you opened it');
    expect(await snapshot(id)).toEqual(after);

    const unknown = await act(bruno, id, 'publish-now');
    expect(unknown.status).toBe(400);
    const noLock = await act(bruno, id, 'approve', '', 'x');
    expect(noLock.status).toBe(400);
    expect(await snapshot(id)).toEqual(after);
  });

  it('when an admin wrote the version, then that admin cannot approve it but another educator can', async () => {
    const id = await createItem(ada, { key: uniqueKey('admin-wrote') });
    await act(ada, id, 'submit');
    expect((await act(ada, id, 'approve')).status).toBe(409);
    expect((await act(alice, id, 'approve')).status).toBe(303);
    expect((await storedItem(t, id)).status).toBe('published');
  });

  it('when a learner posts a review action, then it is forbidden', async () => {
    const id = await createItem(alice, { key: uniqueKey('learner') });
    const learner = await signIn(t.app, (await make.user()).email);
    await learner.get(itemUrl(id)).expect(403);
    const res = await learner
      .post(`${itemUrl(id)}/transition`)
      .type('form')
      .send({
        action: 'retire',
        lockVersion: '0',
        _csrf: cheerio
          .load((await learner.get('/account')).text)('input[name=_csrf]')
          .attr('value'),
      });
    expect(res.status).toBe(403);
    expect((await storedItem(t, id)).status).toBe('draft');
  });
});

describe('revisions of published items and the post-test', () => {
  it('when a published item is edited, then its live version is still drawn until the revision is published, and a past attempt shows what it showed', async () => {
    const learner = await make.user();
    const attemptId = await make.scoredAttempt(learner, { wrong: 1 });
    const learnerAgent = await signIn(t.app, learner.email);
    const resultUrl = `${activityPath}/post-test/attempts/${attemptId}/result`;
    const main = async () =>
      cheerio
        .load((await learnerAgent.get(resultUrl).expect(200)).text)('main')
        .html();
    const resultBefore = await main();
    const attemptBefore = await t.db.prisma.attempt.findUniqueOrThrow({
      where: { id: attemptId },
      include: { responses: true },
    });

    const shown = attemptBefore.responses.find((r) => r.position === 1)!;
    const { itemId } = await t.db.prisma.itemVersion.findUniqueOrThrow({
      where: { id: shown.itemVersionId },
    });
    const live = (await storedItem(t, itemId)).publishedVersionId;
    expect(live).toBe(shown.itemVersionId);

    const edited = await saveEdit(alice, itemId, await editFormOf(alice, itemId), {
      stem: 'A clearer stem, published later?',
      rationale: 'A new rationale.',
    });
    expect(edited.status).toBe(303);
    let item = await storedItem(t, itemId);
    expect(item).toMatchObject({ status: 'published', publishedVersionId: live, source: 'authored' });
    const bankPage = cheerio.load(
      (await bruno.get(`/items/renal-leiomyosarcoma?text=${encodeURIComponent('clearer stem')}`).expect(200))
        .text,
    );
    expect(bankPage('table.item-list tbody tr').text()).toContain('revision in draft');
    await act(alice, itemId, 'submit');
    item = await storedItem(t, itemId);
    expect(item.publishedVersionId).toBe(live);
    const itemPage = cheerio.load((await bruno.get(itemUrl(itemId)).expect(200)).text);
    expect(itemPage('dl.item-facts').text()).toContain('revision in review');
    expect(itemPage('#live-title').text()).toContain(
      `version ${item.versions.find((v) => v.id === live)!.version}`,
    );

    // While the revision is in review, new attempts draw the live version, never the revision.
    const other = await make.user();
    const during = await make.startedAttempt(other);
    const drawn = await t.db.prisma.attemptResponse.findMany({ where: { attemptId: during } });
    const revisionId = item.versions.at(-1)!.id;
    expect(drawn.map((r) => r.itemVersionId)).not.toContain(revisionId);

    expect((await act(bruno, itemId, 'approve')).status).toBe(303);
    item = await storedItem(t, itemId);
    expect(item.publishedVersionId).toBe(revisionId);
    expect(item.versions.find((v) => v.id === live)!.state).toBe('superseded');
    expect(item.versions.at(-1)!.state).toBe('published');

    // The past attempt: same page, same score, same versions.
    expect(await main()).toBe(resultBefore);
    const attemptAfter = await t.db.prisma.attempt.findUniqueOrThrow({
      where: { id: attemptId },
      include: { responses: true },
    });
    expect(attemptAfter).toEqual(attemptBefore);
  });

  it('when an item is retired, then it is never drawn again, cannot be edited or moved, and is kept', async () => {
    const id = (
      await t.db.prisma.item.findFirstOrThrow({
        where: { status: 'published', objective: { code: 'O1' } },
        orderBy: { id: 'desc' },
      })
    ).id;
    expect((await act(bruno, id, 'retire', 'Outdated staging')).status).toBe(303);
    const item = await storedItem(t, id);
    expect(item).toMatchObject({ status: 'retired' });
    expect(item.publishedVersionId).not.toBeNull();
    for (let i = 0; i < 3; i++) {
      const attempt = await make.startedAttempt(await make.user());
      const versions = await t.db.prisma.attemptResponse.findMany({
        where: { attemptId: attempt },
        include: { itemVersion: true },
      });
      expect(versions.map((r) => r.itemVersion.itemId)).not.toContain(id);
    }
    await alice.get(`${itemUrl(id)}/edit`).expect(409);
    const form = await saveEdit(
      alice,
      id,
      {
        fields: { lockVersion: String(item.lockVersion), type: 'single' },
        csrf: cheerio
          .load((await alice.get(itemUrl(id))).text)('input[name=_csrf]')
          .attr('value')!,
      },
      {},
    );
    expect(form.status).toBe(409);
    const again = await act(bruno, id, 'retire', '', String(item.lockVersion));
    expect(again.status).toBe(409);
    expect(cheerio.load(again.text)('main').text()).toContain('retirement is final');
    const page = cheerio.load((await alice.get(itemUrl(id)).expect(200)).text);
    expect(page('a[href$="/edit"]')).toHaveLength(0);
    expect(page('form[action$="/transition"]')).toHaveLength(0);
    expect((await storedItem(t, id)).versions).toEqual(item.versions);
  });
});
