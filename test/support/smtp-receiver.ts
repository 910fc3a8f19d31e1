import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The SMTP envelope: what the server was told in MAIL FROM and RCPT TO. */
  envelope: { from: string; to: string[] };
  raw: string;
  /** Header names in lower case, folded lines unfolded; every occurrence kept. */
  headers: [string, string][];
  /** The body, decoded from its transfer encoding. */
  text: string;
}

export interface SmtpReceiver {
  port: number;
  mails: ReceivedMail[];
  /** How each AUTH attempt went. */
  logins: { username: string; accepted: boolean }[];
  header(mail: ReceivedMail, name: string): string[];
  close(): Promise<void>;
}

export interface SmtpReceiverOptions {
  /** Credentials the server requires; absent: no AUTH at all. */
  auth?: { username: string; password: string; refusal?: string };
}

function decodeQuotedPrintable(text: string): string {
  const bytes = Buffer.from(text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_all, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  return bytes.toString('utf8');
}

/** Splits a raw message into unfolded headers and a decoded body (only what the relay's mails use). */
export function parseMail(raw: string): Pick<ReceivedMail, 'headers' | 'text'> {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = head.split('\r\n').map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
  const encoding = headers.find(([name]) => name === 'content-transfer-encoding')?.[1].toLowerCase() ?? '7bit';
  const body = raw.slice(split + 4);
  const text = encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : encoding === 'base64' ? Buffer.from(body, 'base64').toString('utf8') : body;
  return { headers, text: text.replace(/\r\n/g, '\n') };
}

/** A real SMTP server (the `smtp-server` package) on a free port, keeping every message it accepts. */
export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const logins: SmtpReceiver['logins'] = [];
  const { auth } = options;
  const server = new SMTPServer({
    logger: false,
    // No STARTTLS: the test server has no certificate the relay would trust.
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !auth,
    allowInsecureAuth: true,
    onAuth(login, _session, callback) {
      const accepted = auth !== undefined && login.username === auth.username && login.password === auth.password;
      logins.push({ username: login.username ?? '', accepted });
      if (!accepted) return callback(new Error(auth?.refusal ?? 'Invalid username or password'));
      return callback(null, { user: login.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        mails.push({ envelope: { from, to: session.envelope.rcptTo.map((rcpt) => rcpt.address) }, raw, ...parseMail(raw) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    logins,
    header: (mail, name) => mail.headers.filter(([header]) => header === name.toLowerCase()).map(([, value]) => value),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
