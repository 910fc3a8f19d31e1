import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RateLimiter } from '../../shared/admission/rate-limiter.js';
import { AppError, toAppError } from '../../shared/errors.js';
import type { ApiKeyAuth } from '../auth/api-key-auth.js';
import type { Answers, CallResult } from '../calls/call-answer.js';
import type { Caller } from '../auth/api-key-auth.js';
import { ANSWER_WITHIN_MS, type CallPlacement, type CallToPlace, type PlacementExtras } from '../calls/call-placement.js';
import { isRedisDown } from '../calls/redis-down.js';
import { within } from '../../shared/redis-retry.js';
import { lazyChild } from '../../shared/logger.js';
import { parseClick2Call } from './parse-request.js';

export interface Click2CallInput {
  fields: Record<string, unknown>;
  apiKey: string | undefined;
  /** The request URL with `api_key` already replaced by REDACTED. */
  requestUrl: string;
  httpMethod: string;
  /** The client's address, for the per-address limit on unauthenticated requests. */
  clientAddress: string;
}

export interface Click2CallDeps {
  auth: ApiKeyAuth;
  limiter: RateLimiter;
  placement: CallPlacement;
  answers: Answers;
  unauthenticatedPerMinute: number;
  serverId: string;
  logger: Logger;
}

/**
 * Turns an entry point's fields into the call to place, for the authenticated caller; throws an
 * AppError (stored as a refusal) for what it refuses. Click2call's is `parseClick2Call`; SPEC §9's
 * entry points also look up the account's saved queue or FindMe list.
 */
export type BuildCall = (fields: Record<string, unknown>, caller: Caller) => Promise<{ call: CallToPlace; extras?: PlacementExtras }>;

const buildClick2Call: BuildCall = async (fields) => ({ call: parseClick2Call(fields) });

/** The use case of every public calling entry point (SPEC §2, §9): authenticate, parse, and place the call through the shared pipeline. */
export class Click2CallService {
  constructor(private readonly deps: Click2CallDeps) {}

  async handle(input: Click2CallInput, build: BuildCall = buildClick2Call): Promise<CallResult> {
    // The key lookup and admission share one budget: the answer never waits out a failover twice.
    const answerBy = Date.now() + ANSWER_WITHIN_MS;
    let requestId: string = randomUUID();
    let log = lazyChild(this.deps.logger, { request_id: requestId });
    const { answers } = this.deps;
    try {
      // A read: giving up on it is harmless, and the answer must not wait out a failover.
      const caller = await within(this.deps.auth.authenticate(input.apiKey), answerBy - Date.now());
      if (!caller) {
        const limit = await this.deps.limiter.hit(`ip:${input.clientAddress}`, this.deps.unauthenticatedPerMinute);
        if (!limit.allowed) return answers.rateLimited(requestId, new AppError('rate_limited', `Too many requests from this address; retry in ${limit.retryAfterSeconds} s.`), limit.retryAfterSeconds);
        log().info('click2call refused: invalid api key');
        return { response: answers.fail(requestId, 'queued', new AppError('invalid_api_key'), false) };
      }
      // From here on the id names the account's shard (the answers above store nothing).
      requestId = this.deps.placement.requestIdFor(caller.account.id);
      log = lazyChild(this.deps.logger, { request_id: requestId });
      const arrived = { requestId, serverId: this.deps.serverId, requestUrl: input.requestUrl, httpMethod: input.httpMethod, answerBy };
      let built: Awaited<ReturnType<BuildCall>>;
      try {
        built = await build(input.fields, caller);
      } catch (err) {
        const error = toAppError(err);
        if (error.code === 'internal_error') throw err;
        return await this.deps.placement.refuse(arrived, caller, error, safeRequestData(input.fields));
      }
      return await this.deps.placement.place(arrived, caller, built.call, built.extras);
    } catch (err) {
      const error = isRedisDown(err) ? new AppError('service_unavailable', undefined, { cause: err }) : toAppError(err);
      log().error({ err }, 'click2call failed');
      return { response: answers.fail(requestId, 'queued', error, false) };
    }
  }
}

/** What a refused request asked for, minus secrets and oversized junk. */
function safeRequestData(fields: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const names = [['dial_first', 64], ['dial_second', 64], ['dial_as', 64], ['dail_as', 64], ['pbx', 64], ['timeout', 64], ['wait', 64], ['page', 255], ['ref', 32],
    ['queue_id', 64], ['agent_id', 64], ['findme_id', 64], ['phone_to_call', 64], ['type', 8]] as const;
  for (const [name, max] of names) {
    const value = fields[name];
    // Control characters never reach a document, even of a refused request.
    if (typeof value === 'string' || typeof value === 'number') data[name] = String(value).replace(/[\x00-\x1f\x7f]/g, '').slice(0, max);
  }
  return data;
}
