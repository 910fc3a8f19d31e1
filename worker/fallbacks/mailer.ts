/**
 * The one seam to the SMTP server of SMTP_URL: nodemailer, set up once by the worker's composition
 * root, with a small pool, bounded waits, no access to files or URLs from a message, and failures
 * returned as values whose text never holds the SMTP credentials.
 */
import nodemailer from 'nodemailer';
import type { SmtpServer } from '../../shared/config.js';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  headers: Record<string, string>;
}

export type MailResult = { ok: true; response: string } | { ok: false; message: string };

export interface Mailer {
  /** Never throws. */
  send(mail: OutgoingMail): Promise<MailResult>;
  close(): void;
}

const MAX_SHOWN_RESPONSE = 300;

/** What a failure may say: the server's reply and nodemailer's code, control characters and credentials removed. */
function failureMessage(err: unknown, credentials: string[]): string {
  const record = (err ?? {}) as { code?: unknown; response?: unknown; responseCode?: unknown; message?: unknown };
  const reply = typeof record.response === 'string' ? record.response : typeof record.message === 'string' ? record.message : 'unknown error';
  const code = typeof record.code === 'string' ? ` (${record.code})` : '';
  let text = reply.replace(/[\x00-\x1f\x7f]+/g, ' ').trim().slice(0, MAX_SHOWN_RESPONSE);
  for (const secret of credentials) text = text.split(secret).join('REDACTED');
  return `The SMTP server did not take the message: ${text}${code}`;
}

/** The credentials as they could appear in a reply: as written and as AUTH PLAIN / LOGIN send them. */
function credentialForms(server: SmtpServer): string[] {
  if (server.password === undefined || server.password === '') return [];
  const user = server.username ?? '';
  const forms = [server.password, Buffer.from(server.password).toString('base64'), Buffer.from(`\0${user}\0${server.password}`).toString('base64')];
  return forms.filter((form) => form.length >= 3);
}

export function createMailer(server: SmtpServer): Mailer {
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 3,
    host: server.host,
    port: server.port,
    secure: server.secure,
    ...(server.username === undefined ? {} : { auth: { user: server.username, pass: server.password ?? '' } }),
    tls: { minVersion: 'TLSv1.2' },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // A message is text the relay wrote; nothing in it may make nodemailer read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
  const credentials = credentialForms(server);
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({ ...mail, disableFileAccess: true, disableUrlAccess: true });
        return { ok: true, response: String(info.response ?? '') };
      } catch (err) {
        return { ok: false, message: failureMessage(err, credentials) };
      }
    },
    close() {
      transport.close();
    },
  };
}
