/**
 * An account's SMS gateway (SPEC §9, `no_answer_sms`): one templated HTTP request per message,
 * configured like an `other` PBX connection and checked by the same template rules
 * (pbx-template.ts): placeholders `{to}`, `{from}`, `{text}`, `{request_id}`, and `{secret:NAME}`
 * slots for values of `secrets`, which are stored sealed and shown masked.
 */
import { Ajv } from 'ajv';
import { AppError } from '../errors.js';
import { httpTemplateProperties, otherTemplateProblems, REDACTED } from './pbx-template.js';
import { withoutUserInfo } from './pbx-url.js';
import { checkPattern } from './safe-pattern.js';

export const SMS_PLACEHOLDERS = ['to', 'from', 'text', 'request_id'] as const;
export type SmsPlaceholder = (typeof SMS_PLACEHOLDERS)[number];

export interface SmsGatewayAuth {
  type: 'basic' | 'bearer';
  username?: string;
  password?: string;
  token?: string;
}

export interface SmsGatewaySettings {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  body_type: 'json' | 'form' | 'text';
  secrets?: Record<string, string>;
  auth?: SmsGatewayAuth;
  /** The statuses that mean "sent", inclusive. */
  success_status: [number, number];
  /** A pattern the gateway's answer (its first 4 KB) must contain as well. */
  success_match?: string;
  timeout_ms: number;
}


export const smsGatewaySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    ...httpTemplateProperties({ defaultMethod: 'POST', authTypes: ['basic', 'bearer'], maxTimeoutMs: 30000, defaultTimeoutMs: 10000 }),
  },
} as const;

const validate = new Ajv({ allErrors: true, useDefaults: true }).compile(smsGatewaySchema);

// Call placeholders as pbx-template.ts finds them: `{name}` in lower case.
const PLACEHOLDER = /\{([a-z_]+)\}/g;

function templateProblems(settings: SmsGatewaySettings): string[] {
  const problems = otherTemplateProblems(settings);
  const templates = [settings.url, settings.body ?? '', ...Object.values(settings.headers ?? {})].join('\n');
  const used = new Set([...templates.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''));
  const unknown = [...used].filter((name) => !(SMS_PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0) problems.push(`unknown placeholder ${unknown.map((name) => `{${name}}`).join(', ')}: an SMS gateway's templates know ${SMS_PLACEHOLDERS.map((name) => `{${name}}`).join(', ')} and {secret:NAME}`);
  for (const needed of ['to', 'text']) if (!used.has(needed)) problems.push(`the url, body or headers must use {${needed}}, or the gateway cannot know ${needed === 'to' ? 'whom to send to' : 'what to send'}`);
  if (settings.body !== undefined && settings.method !== 'POST') problems.push('/body is sent only with method POST');
  return problems;
}

function authProblems(auth: SmsGatewayAuth | undefined): string[] {
  if (auth?.type === 'basic' && (auth.username === undefined || auth.password === undefined)) return ['/auth of type basic needs username and password'];
  if (auth?.type === 'bearer' && (auth.token === undefined || auth.token === '')) return ['/auth of type bearer needs token'];
  return [];
}

/** Validates (and fills defaults into) gateway settings; throws `invalid_request` naming every problem. */
export function parseSmsGatewaySettings(input: unknown): SmsGatewaySettings {
  const copy: unknown = structuredClone(input);
  if (!validate(copy)) {
    const detail = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
    throw new AppError('invalid_request', `Invalid SMS gateway settings: ${detail}`);
  }
  const settings = copy as SmsGatewaySettings;
  const problems = [...templateProblems(settings), ...authProblems(settings.auth)];
  const [low, high] = settings.success_status;
  if (low > high) problems.push('success_status must be [low, high]');
  if (settings.success_match !== undefined) {
    try {
      checkPattern(settings.success_match);
    } catch (err) {
      problems.push(`success_match: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new AppError('invalid_request', `Invalid SMS gateway settings: ${problems.join('; ')}`);
  return settings;
}

const redactAll = (record: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).flatMap(([name, value]) => (value === undefined ? [] : [[name, REDACTED]])));

/** The settings as they may be shown or stored in plain text: templates as written, every secret REDACTED. */
export function maskSmsGatewaySettings(settings: SmsGatewaySettings): Record<string, unknown> {
  const { auth, secrets, url, ...rest } = settings;
  const { type, ...credentials } = auth ?? { type: undefined };
  return {
    ...rest,
    url: withoutUserInfo(url),
    ...(secrets === undefined ? {} : { secrets: redactAll(secrets) }),
    ...(type === undefined ? {} : { auth: { type, ...redactAll(credentials) } }),
  };
}
