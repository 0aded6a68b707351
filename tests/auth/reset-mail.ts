// The forgotten-password flow's test harness: the app sending its emails to a real SMTP server that keeps them,
// and the visitor's steps (asking for a link, following it, choosing a new password).
import type { AddressInfo } from 'node:net';
import * as cheerio from 'cheerio';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { createMailer } from '../../server/mail/mailer';
import { createTestApp, relaxedThrottle, type TestApp } from '../support/app';
import { csrfTokenFrom, postForm, submitForm, visitor, type Response } from '../support/client';

interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** The text body of a single-part message, with its transfer encoding undone. */
export function textBody(raw: string): string {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split);
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(head)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    return body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return body;
}

export const header = (raw: string, name: string) =>
  new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(raw)?.[1]?.trim();

export function resetLinkIn(mail: ReceivedMail): string {
  const link = /https?:\/\/\S+\/reset-password\/\S+/.exec(textBody(mail.raw))?.[0];
  if (!link) throw new Error(`no reset link in:\n${mail.raw}`);
  return link;
}

export const pathOf = (link: string) => new URL(link).pathname;
export const tokenOf = (link: string) => pathOf(link).split('/').pop()!;
export const alertOf = (res: Response) => cheerio.load(res.text)('[role=alert]').text();
export const invalidLink = /invalid, has expired or has already been used/;

/** Starts the SMTP server and the app (in beforeAll, stopped in afterAll); returns the visitor's steps. */
export function useResetMail() {
  const received: ReceivedMail[] = [];
  /** Recipients the SMTP server refuses, to play a mail server that is failing. */
  const refused = new Set<string>();
  let smtp: SMTPServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (refused.has(address.address)) return callback(new Error('mailbox unavailable'));
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((address) => address.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const { port } = smtp.server.address() as AddressInfo;
    t = await createTestApp({
      sendMail: createMailer({
        smtpUrl: `smtp://127.0.0.1:${port}`,
        from: 'CME Platform <no-reply@cme.test>',
        logger: pino({ level: 'silent' }),
      }),
      throttle: relaxedThrottle,
    });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  /**
   * Asks for a reset as a visitor would; returns the confirmation shown and the emails that arrived. The app sends
   * the email after answering (so the answer never depends on the mail server), hence the wait of up to a second.
   */
  async function askForReset(email: string) {
    const before = received.length;
    const res = await submitForm(visitor(t.app), '/forgot-password', '/forgot-password', { email });
    for (let waited = 0; received.length === before && waited < 1000; waited += 25) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return {
      res,
      confirmation: cheerio.load(res.text)('[role=status]').text(),
      mails: received.slice(before),
    };
  }

  async function resetLinkFor(email: string): Promise<string> {
    const { mails } = await askForReset(email);
    expect(mails).toHaveLength(1);
    return resetLinkIn(mails[0]!);
  }

  /** Follows the link in a new browser; returns how to submit the form it shows (later, as from an open tab). */
  async function openResetForm(link: string) {
    const agent = visitor(t.app);
    const csrf = await csrfTokenFrom(agent, pathOf(link));
    return (password: string) => postForm(agent, pathOf(link), { password }, csrf);
  }

  return {
    /** The app, once beforeAll has run. */
    app: () => t,
    refused,
    askForReset,
    resetLinkFor,
    openResetForm,
    /** Follows the link and submits the form at once. */
    chooseNewPassword: async (link: string, password: string) => (await openResetForm(link))(password),
  };
}
