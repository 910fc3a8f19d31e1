/**
 * The sandbox's receivers for Click-to-FindMe's no-answer fallbacks (npm run dev), printing what
 * they get instead of acting on it:
 * - `POST /sms`: the demo account's SMS gateway (its template sends the form `to=…&from=…&text=…`);
 * - `POST /no-answer`: a `no_answer_url`; prints the XML and whether its `C2C-Signature` verifies
 *   with the account's callback secret, checked as the README's receiver does (and answered as it
 *   does: 204, or 400 when the signature is wrong, which the relay then retries).
 * Env: FALLBACK_SINKS_PORT (the port to listen on, on 127.0.0.1), CALLBACK_SECRET.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';

const port = Number(process.env.FALLBACK_SINKS_PORT ?? 8082);
const secret = process.env.CALLBACK_SECRET ?? '';
const TOLERANCE_SECONDS = 300;

/** The README's receiver check: a fresh timestamp and an HMAC that matches, compared in constant time. */
function verify(signatureHeader: string | undefined, rawBody: string, nowMs = Date.now()): boolean {
  const parts = Object.fromEntries(String(signatureHeader ?? '').split(',').map((part) => part.split('=', 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowMs / 1000 - t) > TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function box(title: string, lines: string[]): void {
  process.stdout.write(`${['', `──── ${title} ────`, ...lines, '─'.repeat(60), ''].join('\n')}\n`);
}

function printSms(body: string): void {
  const sms = new URLSearchParams(body);
  box('sandbox SMS (gateway sink; nothing is sent)', [`To:   ${sms.get('to')}`, `From: ${sms.get('from')}`, `Text: ${sms.get('text')}`]);
}

function printNoAnswer(req: IncomingMessage, body: string): boolean {
  const signature = req.headers['c2c-signature'];
  const verified = verify(Array.isArray(signature) ? signature[0] : signature, body);
  box('sandbox no_answer_url (receiver)', [
    `Request:   ${String(req.headers['c2c-request-id'])}   Webhook-Id: ${String(req.headers['c2c-webhook-id'])}`,
    `Signature: ${verified ? 'verified with the callback secret' : 'DOES NOT VERIFY (answered 400; the relay will retry)'}`,
    '',
    body.trimEnd(),
  ]);
  return verified;
}

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === '/sms') {
      printSms(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"queued"}');
    } else if (req.method === 'POST' && path === '/no-answer') {
      res.writeHead(printNoAnswer(req, body) ? 204 : 400).end();
    } else {
      res.writeHead(404).end();
    }
  });
})
  .on('error', (err) => {
    process.stderr.write(`fallback sinks: ${err.message}\n`);
    process.exit(1);
  })
  .listen(port, '127.0.0.1');

process.once('SIGINT', () => process.exit(0));
process.once('SIGTERM', () => process.exit(0));
