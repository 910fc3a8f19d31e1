/**
 * The HTTP client of webhooks: one POST, under the SSRF rule of the PBX drivers (address-guard.ts:
 * literal addresses here, host names through the guarded DNS lookup), no redirects (Node's http
 * never follows them), no proxy (a dedicated agent ignores HTTP(S)_PROXY), one wall-clock deadline
 * for connect, send and answer, and at most MAX_RESPONSE_BYTES of the answer read. It never throws:
 * every outcome is a value the delivery records.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { isPrivateAddress, PrivateAddressError } from '../pbx/other/address-guard.js';
import { lookupFor } from '../pbx/http/address-policy.js';

export interface SenderOptions {
  /** ALLOW_PRIVATE_WEBHOOK_ADDRESSES: lets deliveries reach loopback, link-local and private addresses. */
  allowPrivateAddresses: boolean;
  timeoutMs: number;
}

export type SendOutcome =
  | { ok: true; status: number; durationMs: number }
  /** `final`: retrying cannot help (the address guard refused the receiver). */
  | { ok: false; status?: number; error: string; final: boolean; durationMs: number };

/** A receiver answers with a status; what it writes after that is read only this far, then dropped. */
const MAX_RESPONSE_BYTES = 64 * 1024;
const USER_AGENT = 'c2c-relay-webhooks/1';

export class WebhookSender {
  private readonly agents: { 'http:': http.Agent; 'https:': https.Agent };

  constructor(private readonly options: SenderOptions) {
    const guarded = lookupFor(options);
    const lookup = guarded === undefined ? {} : { lookup: guarded };
    this.agents = {
      'http:': new http.Agent({ keepAlive: true, timeout: 4000, ...lookup }),
      'https:': new https.Agent({ keepAlive: true, timeout: 4000, minVersion: 'TLSv1.2', ...lookup }),
    };
  }

  async post(url: string, body: string, headers: Record<string, string>, contentType = 'application/json'): Promise<SendOutcome> {
    const started = Date.now();
    const target = new URL(url);
    const bare = target.hostname.replace(/^\[|\]$/g, '');
    if (!this.options.allowPrivateAddresses && isIP(bare) !== 0 && isPrivateAddress(bare)) {
      return { ok: false, error: privateMessage(bare), final: true, durationMs: 0 };
    }
    const protocol = target.protocol === 'https:' ? 'https:' : 'http:';
    return new Promise<SendOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: SendOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const failed = (error: string, final = false, status?: number) =>
        finish({ ok: false, error, final, durationMs: Date.now() - started, ...(status === undefined ? {} : { status }) });
      const request = (protocol === 'https:' ? https : http).request(
        target,
        {
          method: 'POST',
          agent: this.agents[protocol],
          headers: { ...headers, 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), 'user-agent': USER_AGENT },
        },
        (response) => {
          const status = response.statusCode ?? 0;
          let read = 0;
          const judged = () => {
            if (status >= 200 && status < 300) finish({ ok: true, status, durationMs: Date.now() - started });
            else if (status >= 300 && status < 400) failed(`HTTP ${status}: redirects are not followed`, false, status);
            else failed(`HTTP ${status}`, false, status);
          };
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_RESPONSE_BYTES) {
              response.destroy();
              judged();
            }
          });
          response.on('end', judged);
          response.on('error', () => judged());
        },
      );
      const timer = setTimeout(() => {
        failed(`no answer within ${this.options.timeoutMs} ms`);
        request.destroy();
      }, this.options.timeoutMs);
      request.on('error', (err) => {
        const refused = privateRefusal(err);
        if (refused) failed(privateMessage(refused), true);
        else failed(`request failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
      });
      request.end(body);
    });
  }

  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}

function privateMessage(address: string): string {
  return `address ${address} is loopback, link-local or private; the operator must set ALLOW_PRIVATE_WEBHOOK_ADDRESSES=true to deliver there`;
}

function privateRefusal(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    if (current instanceof PrivateAddressError) return current.address;
    current = current.cause;
  }
  return undefined;
}
