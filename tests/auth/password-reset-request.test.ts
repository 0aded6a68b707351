// Asking for a password reset link: one email, to that address only, with a link that works once; the same answer
// whether or not the account exists, whatever the mail server does.
import crypto from 'node:crypto';
import * as cheerio from 'cheerio';
import type { TestApp } from '../support/app';
import { signInStatus, visitor } from '../support/client';
import { factories, type Factories } from '../support/factories';
import {
  alertOf,
  header,
  invalidLink,
  pathOf,
  resetLinkIn,
  textBody,
  tokenOf,
  useResetMail,
} from './reset-mail';

const mail = useResetMail();
const { askForReset, resetLinkFor, openResetForm, chooseNewPassword } = mail;
let t: TestApp;
let make: Factories;
beforeAll(() => {
  t = mail.app();
  make = factories(t);
});

const sha256 = (value: string) => crypto.createHash('sha256').update(value).digest('hex');

describe('asking for a reset link', () => {
  it('when a user asks for a reset, then exactly one email goes to that address with a one-hour link to this site', async () => {
    const user = await make.user();
    const { res, confirmation, mails } = await askForReset(user.email.toUpperCase());
    expect(res.status).toBe(200);
    expect(confirmation).toMatch(/If an account exists for that address, we have sent it a link/);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.to).toEqual([user.email]);
    expect(mail.from).toBe('no-reply@cme.test');
    expect(header(mail.raw, 'To')).toBe(user.email);
    expect(header(mail.raw, 'Subject')).toBe('Reset your password');
    expect(resetLinkIn(mail)).toMatch(/^http:\/\/localhost:3000\/reset-password\/[A-Za-z0-9_-]{43}$/);
    expect(textBody(mail.raw)).toMatch(/within the next hour/);
  });

  it('when the email has no account, then the page shows the same confirmation and no email is sent', async () => {
    const user = await make.user();
    const known = await askForReset(user.email);
    const unknown = await askForReset('nobody-here@example.org');
    expect(unknown.res.status).toBe(200);
    expect(unknown.confirmation).toBe(known.confirmation);
    expect(unknown.mails).toHaveLength(0);
    expect(cheerio.load(unknown.res.text)('main').html()).toBe(cheerio.load(known.res.text)('main').html());
  });

  it('when the address is not an email, then the form comes back with a message and no email is sent', async () => {
    const { res, mails } = await askForReset('not an email');
    expect(res.status).toBe(422);
    expect(cheerio.load(res.text)('#email-error').text()).toBe('Enter the email address of your account');
    expect(mails).toHaveLength(0);
  });

  it('when the token is stored, then only its SHA-256 hash is, never the token itself', async () => {
    const user = await make.user();
    const token = tokenOf(await resetLinkFor(user.email));
    const rows = await t.db.prisma.passwordResetToken.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toBe(token);
    expect(rows[0]!.tokenHash).toBe(sha256(token));
    const [leaks] = await t.db.prisma.$queryRaw<{ count: bigint }[]>`
      SELECT (SELECT count(*) FROM password_reset_tokens WHERE token_hash LIKE ${`%${token}%`})
           + (SELECT count(*) FROM audit_log WHERE details::text LIKE ${`%${token}%`}) AS count`;
    expect(Number(leaks!.count)).toBe(0);
  });

  it('when a user asks twice, then only the newest link works', async () => {
    const user = await make.user();
    const first = await resetLinkFor(user.email);
    const firstForm = await openResetForm(first);
    const second = await resetLinkFor(user.email);
    expect(second).not.toBe(first);
    const old = await visitor(t.app).get(pathOf(first));
    expect(old.status).toBe(410);
    expect(alertOf(old)).toMatch(invalidLink);
    const oldPost = await firstForm('a brand new passphrase 1');
    expect(oldPost.status).toBe(410);
    expect(alertOf(oldPost)).toMatch(invalidLink);
    await visitor(t.app).get(pathOf(second)).expect(200);
    expect((await chooseNewPassword(second, 'a brand new passphrase 2')).status).toBe(200);
    expect(await signInStatus(t.app, user.email, 'a brand new passphrase 2')).toBe(302);
  });
});

// Defects found in review, now fixed: these keep them fixed.
describe('defects found in review', () => {
  it('when the mail server refuses the email, then the visitor still sees the usual confirmation (a 500 would reveal that the account exists)', async () => {
    const user = await make.user();
    mail.refused.add(user.email);
    try {
      const { res, confirmation } = await askForReset(user.email);
      expect(res.status).toBe(200);
      expect(confirmation).toMatch(/If an account exists for that address/);
    } finally {
      mail.refused.delete(user.email);
    }
  });
});
