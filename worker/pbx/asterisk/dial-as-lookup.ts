/**
 * Who the call is placed as (asterisk-ami.md §4.3): FreePBX users live in AstDB (`AMPUSER/<ext>/…`),
 * plain Asterisk has PJSIP endpoints with a context and a caller ID. Lookups use the
 * least-privilege actions (DBGet, Getvar) and are cached briefly.
 */
import type { AsteriskSettings } from '../../../shared/accounts/pbx-settings.js';
import { AppError } from '../../../shared/errors.js';
import { type AmiHeader, headerValue } from './ami-codec.js';
import type { AmiReply } from './ami-connection.js';
import { isCallerNumber, parseCallerId } from './originate-action.js';

export interface DialAsIdentity {
  mode: 'freepbx' | 'pjsip' | 'none';
  /** Context leg 2 is dialed in: the extension's outbound permissions. */
  context: string;
  callerIdNumber: string;
  callerIdName?: string;
}

export type AmiSend = (headers: AmiHeader[]) => Promise<AmiReply>;

type Found = { found: true; identity: DialAsIdentity };
type Missing = { found: false; refused?: string };
type Outcome = Found | Missing;

const CONTEXT = /^[A-Za-z0-9_-]{1,79}$/;
const PROBE = 'c2c-relay-probe';
const MAX_CACHED = 1000;

export interface DialAsResolverOptions {
  ttlMs?: number;
  now?: () => number;
}

export class DialAsResolver {
  private readonly cache = new Map<string, { identity: DialAsIdentity; expires: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly settings: AsteriskSettings,
    private readonly send: AmiSend,
    options: DialAsResolverOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Resolves an extension; `dial_as_not_found` when the PBX does not have it. */
  async resolve(extension: string): Promise<DialAsIdentity> {
    const mode = this.settings.dial_as_lookup;
    if (mode === 'none') {
      return { mode, context: this.settings.context, callerIdNumber: extension };
    }
    const cached = this.cache.get(extension);
    if (cached && cached.expires > this.now()) return cached.identity;
    this.cache.delete(extension);

    const attempts: Missing[] = [];
    for (const lookup of mode === 'auto' ? (['freepbx', 'pjsip'] as const) : [mode]) {
      const outcome = lookup === 'freepbx' ? await this.freepbx(extension) : await this.pjsip(extension);
      if (outcome.found) {
        this.remember(extension, outcome.identity);
        return outcome.identity;
      }
      attempts.push(outcome);
    }
    const refusals = attempts.map((a) => a.refused).filter((r): r is string => r !== undefined);
    // Only when no lookup could even run is it the PBX's fault rather than an unknown extension.
    if (refusals.length === attempts.length && refusals[0] !== undefined) {
      throw new AppError('pbx_error', refusals[0]);
    }
    throw new AppError('dial_as_not_found');
  }

  /** For `test()`: can the configured lookups run with this AMI user's permissions? */
  async probe(): Promise<{ ok: boolean; detail: string }> {
    const mode = this.settings.dial_as_lookup;
    if (mode === 'none') return { ok: true, detail: 'dial_as lookup disabled (none)' };
    const results: { name: string; refused?: string }[] = [];
    if (mode !== 'pjsip') results.push({ name: 'FreePBX AstDB (DBGet)', ...(await this.freepbx(PROBE)) });
    if (mode !== 'freepbx') results.push({ name: 'PJSIP endpoint (Getvar)', ...(await this.pjsip(PROBE)) });
    const ok = results.some((r) => r.refused === undefined);
    const detail = results.map((r) => `${r.name}: ${r.refused === undefined ? 'ok' : `refused (${r.refused})`}`);
    return { ok, detail: `dial_as lookup ${mode}: ${detail.join('; ')}` };
  }

  private remember(extension: string, identity: DialAsIdentity): void {
    if (this.cache.size >= MAX_CACHED) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(extension, { identity, expires: this.now() + this.ttlMs });
  }

  private async freepbx(extension: string): Promise<Outcome> {
    const reply = await this.send([
      ['Action', 'DBGet'],
      ['Family', 'AMPUSER'],
      ['Key', `${extension}/cidname`],
    ]);
    if (headerValue(reply.response, 'Response') !== 'Success') {
      const message = headerValue(reply.response, 'Message') ?? 'DBGet failed';
      return message === 'Database entry not found' ? { found: false } : { found: false, refused: `DBGet: ${message}` };
    }
    const item = reply.items.find((m) => headerValue(m, 'Event') === 'DBGetResponse');
    if (!item) return { found: false };
    const name = headerValue(item, 'Val') ?? '';
    // FreePBX identifies the calling user by the caller ID *number*: it must be the extension.
    return {
      found: true,
      identity: {
        mode: 'freepbx',
        context: this.settings.context,
        callerIdNumber: extension,
        ...(name ? { callerIdName: name } : {}),
      },
    };
  }

  private async pjsip(extension: string): Promise<Outcome> {
    const context = await this.getvar(`PJSIP_ENDPOINT(${extension},context)`);
    if (context.refused !== undefined) return { found: false, refused: context.refused };
    if (!context.value) return { found: false };
    if (!CONTEXT.test(context.value)) {
      return { found: false, refused: `endpoint ${extension} has an unusable context` };
    }
    const callerId = await this.getvar(`PJSIP_ENDPOINT(${extension},callerid)`);
    const parsed = parseCallerId(callerId.value ?? '');
    const number = parsed.number !== undefined && isCallerNumber(parsed.number) ? parsed.number : extension;
    return {
      found: true,
      identity: {
        mode: 'pjsip',
        context: context.value,
        callerIdNumber: number,
        ...(parsed.name ? { callerIdName: parsed.name } : {}),
      },
    };
  }

  private async getvar(variable: string): Promise<{ value?: string; refused?: string }> {
    const reply = await this.send([
      ['Action', 'Getvar'],
      ['Variable', variable],
    ]);
    if (headerValue(reply.response, 'Response') !== 'Success') {
      return { refused: `Getvar: ${headerValue(reply.response, 'Message') ?? 'failed'}` };
    }
    return { value: headerValue(reply.response, 'Value') ?? '' };
  }
}
