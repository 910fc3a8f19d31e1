/**
 * The sandbox's SMTP server (npm run dev): accepts every message the relay sends (the no-answer
 * emails of Click-to-FindMe) and prints it to the console instead of delivering it.
 * Env: SMTP_CATCHER_PORT (the port to listen on, on 127.0.0.1). Runs until SIGINT/SIGTERM.
 */
import { SMTPServer } from 'smtp-server';
import { parseMail } from '../../test/support/smtp-receiver.js';

const port = Number(process.env.SMTP_CATCHER_PORT ?? 2525);

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`), which the relay's mailer uses for a non-ASCII subject. */
function decodeWords(value: string): string {
  const quoted = (text: string) => text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_all, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return value.replace(/=\?[^?]+\?([BbQq])\?([^?]*)\?=\s*/g, (_all, encoding: string, text: string) =>
    (encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : Buffer.from(quoted(text), 'latin1')).toString('utf8'));
}

function print(raw: string, envelopeTo: string[]): void {
  const { headers, text } = parseMail(raw);
  const header = (name: string) => decodeWords(headers.find(([key]) => key === name)?.[1] ?? '');
  const lines = [
    '',
    '──── sandbox email (SMTP catcher; nothing is delivered) ────',
    `From:    ${header('from')}`,
    `To:      ${envelopeTo.join(', ')}`,
    `Subject: ${header('subject')}`,
    '',
    text.trimEnd(),
    '────────────────────────────────────────────────────────────',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const server = new SMTPServer({
  logger: false,
  // Plain SMTP on loopback: no certificate to offer, no login to check.
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      print(Buffer.concat(chunks).toString('utf8'), session.envelope.rcptTo.map((rcpt) => rcpt.address));
      callback();
    });
  },
});
server.on('error', (err: NodeJS.ErrnoException) => {
  process.stderr.write(`smtp catcher: ${err.message}\n`);
  // A port taken before it could listen is fatal; a client's broken connection is not.
  if (err.code === 'EADDRINUSE') process.exit(1);
});
server.listen(port, '127.0.0.1');

const stop = () => server.close(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
