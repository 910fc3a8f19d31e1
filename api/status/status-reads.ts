import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { StatusTokens } from '../../shared/security/status-tokens.js';
import type { StatusStore } from '../../shared/status/status-store.js';
import type { ApiKeyAuth } from '../auth/api-key-auth.js';
import { headerValue, presentedApiKey } from '../middleware/request-context.js';
import { sendJson } from '../middleware/send-json.js';

/** A request id as the status URL takes it (exported for the API description). */
export const REQUEST_ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
export const REQUEST_ID = new RegExp(REQUEST_ID_PATTERN);

const NOT_FOUND_BODY = JSON.stringify({ error: { code: 'not_found', message: 'No such request, or no access to it.' } });

export type RawStatus = NonNullable<Awaited<ReturnType<StatusStore['getRaw']>>>;

export const etagOf = (stored: RawStatus) => `"${stored.version}"`;

export interface StatusReadDeps {
  statusStore: StatusStore;
  auth: ApiKeyAuth;
  tokens: StatusTokens;
}

/**
 * Who may read a status document, and its JSON answer (SPEC §3): the request's token or the owner's
 * key in a header; anything else is the same 404. Used by the Express route (pages, long polls) and
 * by the hot lane (plain JSON reads) alike.
 */
export class StatusReads {
  constructor(private readonly deps: StatusReadDeps) {}

  /** The stored document, or undefined when it does not exist or the caller may not read it. */
  async readable(id: string, token: unknown, headers: IncomingHttpHeaders): Promise<RawStatus | undefined> {
    if (!REQUEST_ID.test(id)) return undefined;
    const tokenOk = typeof token === 'string' && this.deps.tokens.verify(id, token);
    const stored = await this.deps.statusStore.getRaw(id);
    if (!stored) return undefined;
    if (tokenOk) return stored;
    // Only a header key here: an api_key in the status URL would end up in browser histories.
    const caller = await this.deps.auth.authenticate(presentedApiKey(headers, {}));
    return caller && caller.account.id === stored.accountId ? stored : undefined;
  }

  /** The status answer's own headers, set before anything is read. */
  static setHeaders(res: ServerResponse): void {
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Vary', 'Accept, Authorization, X-Api-Key');
  }

  /** Answers a readable document as JSON (304 when the client has this version), or the 404. */
  static sendJson(res: ServerResponse, stored: RawStatus | undefined, headers: IncomingHttpHeaders): void {
    if (!stored) {
      sendJson(res, 404, NOT_FOUND_BODY);
      return;
    }
    if (StatusReads.notModified(res, stored, headers)) return;
    // The stored text is already the document: wrap it instead of parsing and re-serialising it.
    sendJson(res, 200, `{"c2c_status":${stored.json}}`);
  }

  /** Sets the document's ETag, and answers 304 (true) when the client already has this version. */
  static notModified(res: ServerResponse, stored: RawStatus, headers: IncomingHttpHeaders): boolean {
    res.setHeader('ETag', etagOf(stored));
    if (headerValue(headers, 'if-none-match') !== etagOf(stored)) return false;
    res.statusCode = 304;
    res.end();
    return true;
  }

  /** A plain JSON read, start to end (the hot lane's). */
  async answerJson(id: string, token: unknown, headers: IncomingHttpHeaders, res: ServerResponse): Promise<void> {
    StatusReads.setHeaders(res);
    StatusReads.sendJson(res, await this.readable(id, token, headers), headers);
  }
}
