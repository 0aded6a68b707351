// Outgoing email through nodemailer. Without SMTP_URL the message is written to the log instead,
// so a local admin can still follow a password-reset link.
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

export type SendMail = (mail: OutgoingMail) => Promise<void>;

export function createMailer(options: { smtpUrl?: string; from: string; logger: Logger }): SendMail {
  if (!options.smtpUrl) {
    return (mail) => {
      options.logger.warn({ mail }, 'SMTP_URL is not set: email written to the log instead of being sent');
      return Promise.resolve();
    };
  }
  const transport = nodemailer.createTransport(options.smtpUrl);
  return async (mail) => {
    try {
      await transport.sendMail({ from: options.from, ...mail });
    } catch (error) {
      options.logger.error({ err: error, to: mail.to, subject: mail.subject }, 'email could not be sent');
      throw error;
    }
  };
}
