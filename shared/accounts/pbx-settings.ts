import { Ajv, type ErrorObject } from 'ajv';
import { AppError } from '../errors.js';
import { checkPattern } from './safe-pattern.js';
import { httpTemplateProperties, otherTemplateProblems, REDACTED } from './pbx-template.js';
import { pbxUrlProblem, withoutUserInfo } from './pbx-url.js';

/** The three kinds of PBX connection an account can have (SPEC §4). */
export const PBX_KINDS = ['asterisk', 'switchvox', 'other'] as const;
export type PbxKind = (typeof PBX_KINDS)[number];

export function isPbxKind(value: unknown): value is PbxKind {
  return typeof value === 'string' && (PBX_KINDS as readonly string[]).includes(value);
}

/** Settings every kind of connection has. */
interface CommonSettings {
  /** Digits the PBX needs before an outside number (e.g. "9"): the policy also checks the number behind them. */
  outside_line_prefix?: string;
}

export interface AsteriskSettings extends CommonSettings {
  host: string;
  port: number;
  username: string;
  secret: string;
  tls: boolean;
  ca_pem?: string;
  dial_as_lookup: 'auto' | 'freepbx' | 'pjsip' | 'none';
  context: string;
  channel: string;
  caller_id_name?: string;
  /** Recording (`record=1`); absent in connections stored before it existed: ASTERISK_RECORDING_DEFAULTS apply. */
  recording_warning?: string;
  recording_context?: string;
  recording_dir?: string;
  recording_format?: (typeof ASTERISK_RECORDING_FORMATS)[number];
  /**
   * Click-to-Agent: pause reasons under which a paused queue member still takes a click-to-agent
   * call; absent in connections stored before it existed: read it with agentOkPauseReasons().
   */
  agent_ok_pause_reasons?: string[];
}

/** The pause reasons that leave an agent available by default: DialogTech's "Outbound" and "Work" modes. */
export const ASTERISK_AGENT_OK_PAUSE_REASONS: readonly string[] = ['Outbound', 'Work'];

/** The connection's `agent_ok_pause_reasons`, or the default for a connection stored before the setting existed. */
export function agentOkPauseReasons(settings: AsteriskSettings): readonly string[] {
  return settings.agent_ok_pause_reasons ?? ASTERISK_AGENT_OK_PAUSE_REASONS;
}

/**
 * The recording settings' defaults: a prompt every Asterisk has (the core sound package), the
 * subroutine the README asks the PBX to add, and where MixMonitor writes a relative file name.
 */
export const ASTERISK_RECORDING_DEFAULTS = {
  recording_warning: 'conf-now-recording',
  recording_context: 'c2c-relay-record',
  recording_dir: '/var/spool/asterisk/monitor',
  recording_format: 'wav',
} as const;

/** MixMonitor picks the file format from the extension; these are the extensions of Asterisk's stock formats. */
export const ASTERISK_RECORDING_FORMATS = ['wav', 'gsm', 'ulaw', 'alaw', 'sln', 'g722'] as const;

/**
 * Asterisk refuses an Originate whose `Data` contains one of these (case-sensitive) unless the AMI
 * user has the `system` class (manager.c originate_app_permissions). Settings that end up in the
 * Dial data the relay sends must not contain them, or every call would be refused.
 */
export const ORIGINATE_DATA_BLACKLIST = ['CURL', 'DB', 'EVAL', 'FILE', 'ODBC', 'REALTIME', 'SHELL'] as const;

export interface SwitchvoxSettings extends CommonSettings {
  url: string;
  username: string;
  password: string;
  tls_verify: boolean;
  ca_pem?: string;
  auth: 'auto' | 'basic' | 'digest';
}

export interface OtherAuth {
  type: 'basic' | 'digest' | 'bearer';
  username?: string;
  password?: string;
  token?: string;
}

export interface OtherSettings extends CommonSettings {
  method: 'GET' | 'POST';
  /** Templates: call placeholders like `{dial_second}` and secret slots `{secret:NAME}`. */
  url: string;
  headers?: Record<string, string>;
  body?: string;
  body_type: 'json' | 'form' | 'text';
  auth?: OtherAuth;
  /** Values for `{secret:NAME}` slots: the only place, besides `auth`, where an `other` connection keeps secrets. */
  secrets?: Record<string, string>;
  success_status: [number, number];
  success_match?: string;
  timeout_ms: number;
}

export interface PbxSettingsByKind {
  asterisk: AsteriskSettings;
  switchvox: SwitchvoxSettings;
  other: OtherSettings;
}

/** A connection together with its kind: the one discriminated union drivers are built from. */
export type PbxConnection =
  | { kind: 'asterisk'; settings: AsteriskSettings }
  | { kind: 'switchvox'; settings: SwitchvoxSettings }
  | { kind: 'other'; settings: OtherSettings };

// Values that end up inside protocol messages must never carry control characters.
const safeText = { type: 'string', pattern: '^[^\\x00-\\x1f\\x7f]*$' } as const;
const pem = { type: 'string', pattern: '-----BEGIN CERTIFICATE-----', maxLength: 65536 } as const;

const outsideLinePrefix = { type: 'string', pattern: '^[0-9]{1,4}$' } as const;

export const schemas = {
  asterisk: {
    type: 'object',
    additionalProperties: false,
    required: ['host', 'username', 'secret'],
    properties: {
      outside_line_prefix: outsideLinePrefix,
      host: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:\\[\\]_-]+$' },
      port: { type: 'integer', minimum: 1, maximum: 65535, default: 5038 },
      username: { ...safeText, minLength: 1, maxLength: 80 },
      secret: { ...safeText, minLength: 1, maxLength: 256 },
      tls: { type: 'boolean', default: false },
      ca_pem: pem,
      dial_as_lookup: { enum: ['auto', 'freepbx', 'pjsip', 'none'], default: 'auto' },
      context: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,79}$', default: 'from-internal' },
      channel: {
        type: 'string',
        pattern: '^[A-Za-z0-9_./@{}-]{1,200}$',
        default: 'Local/{dial_first}@originate-skipvm',
      },
      caller_id_name: { type: 'string', pattern: '^[A-Za-z0-9 ._,:+-]{0,40}$' },
      // A sound name as Playback takes it (no extension): path segments, never `..` or an absolute path.
      recording_warning: {
        type: 'string',
        maxLength: 128,
        pattern: '^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$',
        default: ASTERISK_RECORDING_DEFAULTS.recording_warning,
      },
      recording_context: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,79}$', default: ASTERISK_RECORDING_DEFAULTS.recording_context },
      recording_dir: {
        type: 'string',
        maxLength: 200,
        pattern: '^(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+$',
        default: ASTERISK_RECORDING_DEFAULTS.recording_dir,
      },
      recording_format: { enum: ASTERISK_RECORDING_FORMATS, default: ASTERISK_RECORDING_DEFAULTS.recording_format },
      agent_ok_pause_reasons: {
        type: 'array',
        maxItems: 20,
        items: { ...safeText, minLength: 1, maxLength: 64 },
        default: ASTERISK_AGENT_OK_PAUSE_REASONS,
        description: 'Click-to-Agent: a paused queue member whose pause reason (QueueStatus PausedReason) is one of these still takes calls.',
      },
    },
  },
  switchvox: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'username', 'password'],
    properties: {
      outside_line_prefix: outsideLinePrefix,
      url: { type: 'string', pattern: '^https?://[^\\s]+$', maxLength: 2048 },
      username: { ...safeText, minLength: 1, maxLength: 128 },
      password: { ...safeText, minLength: 1, maxLength: 256 },
      tls_verify: { type: 'boolean', default: true },
      ca_pem: pem,
      auth: { enum: ['auto', 'basic', 'digest'], default: 'auto' },
    },
  },
  other: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      outside_line_prefix: outsideLinePrefix,
      ...httpTemplateProperties({ defaultMethod: 'GET', authTypes: ['basic', 'digest', 'bearer'], maxTimeoutMs: 130000, defaultTimeoutMs: 15000 }),
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, useDefaults: true });
const validators = {
  asterisk: ajv.compile(schemas.asterisk),
  switchvox: ajv.compile(schemas.switchvox),
  other: ajv.compile(schemas.other),
};

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}

/** Validates (and fills defaults into) connection settings; throws `invalid_request` naming every problem. */
export function parsePbxSettings<K extends PbxKind>(kind: K, input: unknown): PbxSettingsByKind[K] {
  const copy: unknown = structuredClone(input);
  const validate = validators[kind];
  if (!validate(copy)) {
    throw new AppError('invalid_request', `Invalid ${kind} settings: ${describe(validate.errors)}`);
  }
  const problems =
    kind === 'other'
      ? otherProblems(copy as OtherSettings)
      : kind === 'switchvox'
        ? switchvoxProblems(copy as SwitchvoxSettings)
        : asteriskProblems(copy as AsteriskSettings);
  if (problems.length > 0) throw new AppError('invalid_request', `Invalid ${kind} settings: ${problems.join('; ')}`);
  return copy as PbxSettingsByKind[K];
}

/** Settings that the relay writes into an Originate's Dial data must not trip Asterisk's blacklist. */
function asteriskProblems(settings: AsteriskSettings): string[] {
  const inDialData = { context: settings.context, recording_warning: settings.recording_warning, recording_context: settings.recording_context };
  return Object.entries(inDialData).flatMap(([name, value]) => {
    const word = ORIGINATE_DATA_BLACKLIST.find((w) => value?.includes(w));
    return word === undefined
      ? []
      : [`/${name} must not contain "${word}": Asterisk refuses Originate data holding ${ORIGINATE_DATA_BLACKLIST.join(', ')} unless the AMI user has the system class`];
  });
}

function switchvoxProblems(settings: SwitchvoxSettings): string[] {
  const problem = pbxUrlProblem(settings.url, '`username` and `password`');
  if (problem !== undefined) return [`/url ${problem}`];
  // The relay posts to <url>/json: a query or fragment would end up in the wrong place.
  return /[?#]/.test(settings.url) ? ['/url must not have a query or fragment (the relay posts to <url>/json)'] : [];
}

function otherProblems(other: OtherSettings): string[] {
  const problems = otherTemplateProblems(other);
  const [low, high] = other.success_status;
  if (low > high) problems.push('success_status must be [low, high]');
  if (other.success_match !== undefined) {
    try {
      checkPattern(other.success_match);
    } catch (err) {
      problems.push(`success_match: ${(err as Error).message}`);
    }
  }
  return problems;
}

const redactAll = (record: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.keys(record).map((name) => [name, REDACTED]));

/**
 * A copy of the settings that is safe to show, log or store in plain text. `other` templates are
 * shown as written: they hold secret slot names, never secret values, which live in `secrets` and
 * `auth` and are all REDACTED (the username too: some PBXes use it as the API key).
 */
export function maskPbxSettings(connection: PbxConnection): Record<string, unknown> {
  switch (connection.kind) {
    case 'asterisk':
      return { ...connection.settings, secret: REDACTED };
    case 'switchvox':
      return { ...connection.settings, url: withoutUserInfo(connection.settings.url), password: REDACTED };
    case 'other': {
      const { auth, secrets, url, ...rest } = connection.settings;
      return {
        ...rest,
        url: withoutUserInfo(url),
        ...(secrets === undefined ? {} : { secrets: redactAll(secrets) }),
        ...(auth === undefined ? {} : { auth: { type: auth.type, ...redactAll(omitType(auth)) } }),
      };
    }
  }
}

function omitType(auth: OtherAuth): Record<string, string> {
  const { type: _type, ...credentials } = auth;
  return Object.fromEntries(Object.entries(credentials).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** What the API needs to know of a connection without decrypting it: kept on the account. */
export interface ConnectionFacts {
  outside_line_prefix?: string;
  /** The caller-ID options this connection can deliver (`other`: those its templates use). */
  caller_ids: ('first_callerid' | 'second_callerid')[];
}

export function connectionFacts(connection: PbxConnection): ConnectionFacts {
  const prefix = connection.settings.outside_line_prefix;
  const base = prefix === undefined ? {} : { outside_line_prefix: prefix };
  switch (connection.kind) {
    case 'asterisk':
      return { ...base, caller_ids: ['first_callerid', 'second_callerid'] };
    case 'switchvox':
      return { ...base, caller_ids: [] };
    case 'other': {
      const { url, headers, body } = connection.settings;
      const templates = [url, body ?? '', ...Object.values(headers ?? {})].join('\n');
      return { ...base, caller_ids: (['first_callerid', 'second_callerid'] as const).filter((name) => templates.includes(`{${name}}`)) };
    }
  }
}
