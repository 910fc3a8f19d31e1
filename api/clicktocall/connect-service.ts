import { Ajv } from 'ajv';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RateLimiter } from '../../shared/admission/rate-limiter.js';
import type { EndpointCallSettings } from '../../shared/call-job.js';
import { compileWhitelist, endpointCallerIds, type Endpoint } from '../../shared/endpoints/endpoint-settings.js';
import type { EndpointStore } from '../../shared/endpoints/endpoint-store.js';
import { AppError, toAppError } from '../../shared/errors.js';
import type { ApiKeyAuth } from '../auth/api-key-auth.js';
import { CALL_OPTION_MESSAGES, CALL_OPTION_PROPERTIES, readCallOptions, takeCallOptionFields, type CallOptions } from '../call-options/call-options.js';
import { FieldInput, NUMBER_PATTERN, scalar, schemaProblems } from '../call-options/field-values.js';
import type { Answers, CallResult } from '../calls/call-answer.js';
import type { CallPlacement } from '../calls/call-placement.js';
import { isRedisDown } from '../calls/redis-down.js';
import { verifyConnectToken } from './connect-token.js';
import { lazyChild } from '../../shared/logger.js';

export interface ConnectInput {
  endpointId: string;
  fields: Record<string, unknown>;
  apiKey: string | undefined;
  /** The browser's `Origin` header, when a browser sent the request. */
  origin: string | undefined;
  clientAddress: string;
  requestUrl: string;
  httpMethod: string;
}

export interface ConnectDeps {
  endpoints: EndpointStore;
  auth: ApiKeyAuth;
  limiter: RateLimiter;
  placement: CallPlacement;
  answers: Answers;
  tokenKey: Buffer;
  serverId: string;
  /** Public connects one client address may make to one endpoint a minute. */
  perAddressPerMinute: number;
  unauthenticatedPerMinute: number;
  logger: Logger;
  now?: () => number;
}

export const schema = {
  type: 'object',
  required: ['contact'],
  properties: {
    contact: { type: 'string', pattern: NUMBER_PATTERN },
    blocking: { type: 'string', enum: ['true', 'false', '1', '0'] },
    page: CALL_OPTION_PROPERTIES.page,
    ref: CALL_OPTION_PROPERTIES.ref,
    wait: CALL_OPTION_PROPERTIES.wait,
    idempotency_key: CALL_OPTION_PROPERTIES.idempotency_key,
  },
} as const;
const validate = new Ajv({ allErrors: true }).compile(schema);
const MESSAGES = { ...CALL_OPTION_MESSAGES, contact: 'contact must be a phone number: digits, optionally a leading +, * and # (spaces, dashes, dots and brackets are ignored), at most 32', blocking: 'blocking must be true or false' };

/** The visitor's request: their number and what they may choose; the endpoint fixes everything else. */
function parseConnect(fields: Record<string, unknown>, endpoint: Endpoint): { contact: string; options: CallOptions } {
  const input = new FieldInput();
  input.takeNumber('contact', fields.contact);
  input.take('blocking', scalar(fields.blocking)?.toLowerCase());
  const visitor = Object.fromEntries(['page', 'ref', 'wait', 'idempotency_key'].map((name) => [name, fields[name]]));
  takeCallOptionFields(visitor, input);
  const problems = new Set<string>();
  if (!validate(input.values)) schemaProblems(validate.errors, MESSAGES, problems);
  const blocking = input.values.blocking === undefined ? endpoint.blocking : ['true', '1'].includes(input.values.blocking);
  const values = { ...input.values, timeout: String(endpoint.timeout ?? 30), ...(blocking ? { wait_for: 'connected' } : {}) };
  const options = { ...readCallOptions(values, problems), ...endpointCallerIds(endpoint) };
  if (problems.size > 0) throw new AppError('invalid_request', [...problems].join('; '));
  return { contact: input.values.contact as string, options };
}

/**
 * `connect` of a saved endpoint (SPEC §10): the visitor's `contact` and the endpoint's fixed
 * `extension`, placed through the same pipeline as click2call. An endpoint with `auth_required` needs
 * a key of its account; a public one needs the widget's short-lived token, is bounded by its throttle
 * (across instances) and a per-address limit, and rings only contacts its whitelist allows.
 */
export class ConnectService {
  private readonly now: () => number;

  constructor(private readonly deps: ConnectDeps) {
    this.now = deps.now ?? Date.now;
  }

  async handle(input: ConnectInput): Promise<CallResult> {
    let requestId: string = randomUUID();
    let log = lazyChild(this.deps.logger, { request_id: requestId, c2c_id: input.endpointId });
    const { answers } = this.deps;
    try {
      const endpoint = await this.deps.endpoints.find(input.endpointId);
      if (!endpoint) return await this.unknown(requestId, input);
      const caller = await this.deps.auth.authenticate(input.apiKey);
      const ownKey = caller !== undefined && caller.account.id === endpoint.account_id;
      if (endpoint.auth_required && !ownKey) return await this.unknown(requestId, input, new AppError('invalid_api_key', 'This click-to-call endpoint needs one of its account\'s API keys.'));
      const owner = ownKey ? caller : await this.deps.auth.forAccount(endpoint.account_id);
      if (!owner) return await this.unknown(requestId, input);
      if (input.origin !== undefined && !(endpoint.allowed_origins ?? []).includes(input.origin)) {
        throw new AppError('invalid_request', `Calls from the page at ${input.origin} are not allowed for this endpoint (allowed_origins).`);
      }
      const token = scalar(input.fields.token);
      if (!endpoint.auth_required && !ownKey && !(token !== undefined && verifyConnectToken(this.deps.tokenKey, token, endpoint.id, input.clientAddress, this.now()))) {
        throw new AppError('invalid_request', 'A public click-to-call needs a fresh token from GET /v1/clicktocall/{c2c_id}/token (the widget fetches it).');
      }
      requestId = this.deps.placement.requestIdFor(endpoint.account_id);
      log = lazyChild(this.deps.logger, { request_id: requestId, c2c_id: input.endpointId });
      const arrived = { requestId, serverId: this.deps.serverId, requestUrl: input.requestUrl, httpMethod: input.httpMethod };
      const extras = { alsoListIn: this.deps.endpoints.historyKey(endpoint), requestData: { c2c_id: endpoint.id }, limits: this.limits(endpoint, input, ownKey), ...pbxSettingsOf(endpoint) };
      let visit: ReturnType<typeof parseConnect>;
      try {
        visit = parseConnect(input.fields, endpoint);
        const whitelist = compileWhitelist(endpoint.whitelist);
        if (whitelist.length > 0 && !whitelist.some((pattern) => pattern.test(visit.contact))) {
          throw new AppError('number_not_allowed', `The number ${visit.contact} is not allowed by this click-to-call endpoint's whitelist.`);
        }
      } catch (err) {
        const error = toAppError(err);
        if (error.code === 'internal_error') throw err;
        return await this.deps.placement.refuse(arrived, owner, error, { contact: String(scalar(input.fields.contact) ?? '').replace(/[^0-9+*#]/g, '').slice(0, 32) }, extras);
      }
      const [dialFirst, dialSecond] = endpoint.dial_first === 'contact' ? [visit.contact, endpoint.extension] : [endpoint.extension, visit.contact];
      return await this.deps.placement.place(arrived, owner, { dialFirst, dialSecond, dialAs: endpoint.extension, pbx: endpoint.pbx, options: visit.options }, extras);
    } catch (err) {
      const error = isRedisDown(err) ? new AppError('service_unavailable', undefined, { cause: err }) : toAppError(err);
      if (error.code === 'internal_error') log().error({ err }, 'connect failed');
      else log().info({ code: error.code }, 'connect refused');
      return { response: answers.fail(requestId, 'queued', error, false) };
    }
  }

  /** The endpoint's throttle always; for a public connect also the per-address limit. */
  private limits(endpoint: Endpoint, input: ConnectInput, ownKey: boolean) {
    const at = this.now();
    const limits = [];
    // Counted in the account's shard, beside the keys the admission script also touches.
    const owner = endpoint.account_id;
    if (endpoint.throttle !== undefined) limits.push({ counter: this.deps.limiter.counter(this.deps.endpoints.throttleScope(endpoint.id), endpoint.throttle, at, owner), scope: 'this click-to-call endpoint' });
    if (!ownKey) limits.push({ counter: this.deps.limiter.counter(`${this.deps.endpoints.throttleScope(endpoint.id)}:ip:${input.clientAddress}`, this.deps.perAddressPerMinute, at, owner), scope: 'this address' });
    return limits;
  }

  /** Unknown endpoint, or a key that does not open it: the same answer, rate-limited per address like a wrong key. */
  private async unknown(requestId: string, input: ConnectInput, error = new AppError('not_found', 'No such click-to-call endpoint.')): Promise<CallResult> {
    const limit = await this.deps.limiter.hit(`ip:${input.clientAddress}`, this.deps.unauthenticatedPerMinute);
    if (!limit.allowed) return this.deps.answers.rateLimited(requestId, new AppError('rate_limited', `Too many requests from this address; retry in ${limit.retryAfterSeconds} s.`), limit.retryAfterSeconds);
    return { response: this.deps.answers.fail(requestId, 'queued', error, false) };
  }
}

/** What the endpoint asks of the PBX, in the job's terms; nothing when it asks nothing. */
function pbxSettingsOf(endpoint: Endpoint): { endpoint?: EndpointCallSettings } {
  const settings: EndpointCallSettings = {
    ...(endpoint.custom_application_vars && Object.keys(endpoint.custom_application_vars).length > 0 ? { application_vars: endpoint.custom_application_vars } : {}),
    ...(endpoint.custom_sip_headers?.out && Object.keys(endpoint.custom_sip_headers.out).length > 0 ? { sip_headers: endpoint.custom_sip_headers.out } : {}),
    ...(endpoint.music_on_hold?.media_id ? { music_on_hold: endpoint.music_on_hold.media_id } : {}),
    ...(endpoint.ringback ? { ringback: endpoint.ringback } : {}),
  };
  return Object.keys(settings).length === 0 ? {} : { endpoint: settings };
}
