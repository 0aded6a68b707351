// CSRF with multipart forms. The global check cannot read a multipart body, so it defers ONLY for the import
// routes, which verify the token right after parsing (server/http/csrf.ts). These tests prove that no multipart
// POST is accepted without a valid token: not by the import routes, and not by any other route.
import type { User } from '../../server/generated/prisma/client';
import { createTestApp, type TestApp } from '../support/app';
import { csrfTokenFrom, signIn, visitor, type Agent } from '../support/client';
import { factories, firstActivity } from '../support/factories';
import { bank } from '../support/items';
import { confirm, importPage, importToken, readPreview, upload } from './import-helpers';

const CSRF_MESSAGE = 'This form has expired or was not sent by this site';
const slug = firstActivity;
const gift = '$CATEGORY: top/O1\n\n::csrf-item::Which? {=a ~b}';

let t: TestApp;
let educator: User;
let agent: Agent;
let otherToken: string;
beforeAll(async () => {
  t = await createTestApp();
  educator = await factories(t).user({ role: 'educator', fullName: 'Original Name' });
  agent = await signIn(t.app, educator.email);
  otherToken = await csrfTokenFrom(visitor(t.app), '/login');
});
afterAll(() => t.close());

const state = async () => ({
  items: await t.db.prisma.item.count(),
  audit: await t.db.prisma.auditEntry.count(),
  user: await t.db.prisma.user.findUniqueOrThrow({
    where: { id: educator.id },
    select: { fullName: true, updatedAt: true },
  }),
});

describe('the import form (multipart)', () => {
  it.each([
    ['without a token', null],
    ['with a made-up token', 'forged-token-0123456789abcdef'],
    ["with another session's token", 'other'],
  ])(
    'when a file is uploaded %s, then it is refused 403 and nothing is parsed into a preview',
    async (_how, token) => {
      await importToken(agent, slug); // the session holds a token of its own
      const before = await state();
      const res = await upload(agent, slug, {
        fileName: 'a.gift',
        content: gift,
        csrf: token === 'other' ? otherToken : token,
      });
      expect(res.status).toBe(403);
      expect(res.text).toContain(CSRF_MESSAGE);
      expect(res.text).not.toContain('Import preview');
      expect(await state()).toEqual(before);
    },
  );

  it('when a preview is confirmed without its token or with a wrong one, then it is refused 403 and nothing is created', async () => {
    const preview = await upload(agent, slug, { fileName: 'a.gift', content: gift });
    expect(readPreview(preview.text).ready).toHaveLength(1);
    const before = await state();
    const payload = readPreview(preview.text).payload!;
    const url = `${importPage(slug)}/confirm`;
    for (const send of [
      () => agent.post(url).field('payload', payload),
      () => agent.post(url).field('_csrf', 'forged-token-0123456789abcdef').field('payload', payload),
      () => agent.post(url).field('_csrf', otherToken).field('payload', payload),
    ]) {
      const res = await send();
      expect(res.status).toBe(403);
      expect(res.text).toContain(CSRF_MESSAGE);
    }
    expect(await state()).toEqual(before);
    // Control: the same preview with its token is accepted.
    expect((await confirm(agent, slug, preview.text)).status).toBe(303);
    expect((await state()).items).toBe(before.items + 1);
  });

  it('when the token comes in the X-CSRF-Token header, then the global check verifies it before parsing', async () => {
    const token = await importToken(agent, slug);
    const forged = await agent
      .post(importPage(slug))
      .set('X-CSRF-Token', 'forged-token-0123456789abcdef')
      .field('_csrf', token)
      .attach('file', Buffer.from(gift), 'a.gift');
    expect(forged.status).toBe(403);
    const good = await agent
      .post(importPage(slug))
      .set('X-CSRF-Token', token)
      .attach('file', Buffer.from(gift.replace('csrf-item', 'csrf-header-item')), 'a.gift');
    expect(good.status).toBe(200);
    expect(readPreview(good.text).ready).toHaveLength(1);
  });
});

describe('multipart posts to routes that do not read multipart bodies', () => {
  it.each([
    [
      '/account',
      { fullName: 'Changed By A Multipart Form', email: '', profession: 'physician', degree: 'MD' },
    ],
    [
      bank,
      {
        key: 'multipart-item',
        type: 'single',
        stem: 'Q',
        optionA: 'a',
        optionB: 'b',
        correct: 'A',
        objectiveCode: 'O1',
      },
    ],
    ['/logout', {}],
  ])(
    'when %s gets a multipart form carrying a valid _csrf field, then it is still refused 403 and nothing changes',
    async (url, fields) => {
      const token = await importToken(agent, slug);
      const before = await state();
      let req = agent.post(url).field('_csrf', token);
      for (const [name, value] of Object.entries(fields)) req = req.field(name, value || educator.email);
      const res = await req.attach('file', Buffer.from('x'), 'x.txt');
      expect(res.status).toBe(403);
      expect(res.text).toContain(CSRF_MESSAGE);
      expect(await state()).toEqual(before);
      await agent.get('/account').expect(200); // still signed in
    },
  );

  it('when a path only looks like the import (another slug shape, a trailing slash), then it gets no deferral', async () => {
    const token = await importToken(agent, slug);
    for (const url of [
      `${importPage(slug)}/`,
      `/items/${slug}/import/confirm/extra`,
      `/items/../items/${slug}/import`,
    ]) {
      const res = await agent.post(url).field('_csrf', token).attach('file', Buffer.from(gift), 'a.gift');
      expect([403, 404]).toContain(res.status);
      expect(res.text).not.toContain('Import preview');
    }
  });
});
