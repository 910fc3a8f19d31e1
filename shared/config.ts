import { Ajv } from 'ajv';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { emailAddressProblem } from './findme/email-address.js';

/**
 * Which peers may set the client address through `X-Forwarded-For`, in Express's terms: off, a hop
 * count, or the proxies' addresses, CIDRs and the names `loopback`, `linklocal`, `uniquelocal`.
 * Never `true`, which would let any client choose its address and escape the per-address limit.
 */
export type TrustProxy = false | number | string[];

/** Configuration of both processes, read once from the environment by each composition root. */
export interface Config {
  /** One URL, or on a Cluster the seed nodes' URLs separated by commas. */
  redisUrl: string;
  redisPrefix: string;
  /** Connect to a Redis Cluster (REDIS_URL names seed nodes). */
  redisCluster: boolean;
  /** Call shards (SPEC §12): BullMQ queues and key hash tags; 1 keeps a single Redis's layout unchanged. */
  queueShards: number;
  /** The shards this worker consumes (placement); default all. */
  workerShards: number[] | undefined;
  port: number;
  httpsPort: number | undefined;
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  publicBaseUrl: string;
  serverId: string;
  adminToken: string | undefined;
  adminPort: number | undefined;
  /** Interface the admin port listens on. */
  adminHost: string;
  /** Serve `/metrics` on the admin port instead of the public one. */
  metricsOnAdminPort: boolean;
  masterKey: Buffer;
  statusTtlSeconds: number;
  logLevel: string;
  workerConcurrency: number;
  defaultWaitSeconds: number;
  queueMaxAgeSeconds: number;
  reloadWindowSeconds: number;
  unauthenticatedPerMinute: number;
  allowPrivatePbxAddresses: boolean;
  /** Lets webhook deliveries reach loopback, link-local and private addresses (on-premises receivers, tests). */
  allowPrivateWebhookAddresses: boolean;
  /** One delivery attempt's deadline: connect, send and answer. */
  webhookTimeoutMs: number;
  /** The first retry's wait; doubled on each failure, at most an hour, for 24 h. */
  webhookRetryBaseMs: number;
  trustProxy: TrustProxy;
  shutdownTimeoutMs: number;
  /**
   * How often a worker renews its click-to-agent pauses and looks for pauses nobody renews any more
   * (their worker restarted or lost the PBX connection), to restore those agents once their phone is idle.
   */
  agentPauseCheckMs: number;
  /** SMTP_URL: where no-answer emails go (SPEC §9); undefined: the email fallback is refused. */
  smtp: SmtpServer | undefined;
  /** SMTP_FROM: the sender of no-answer emails, unless the account's policy sets `email_from`. */
  smtpFrom: string;
}

/** The SMTP server of SMTP_URL. */
export interface SmtpServer {
  host: string;
  port: number;
  /** smtps:// (TLS from the first byte); smtp:// upgrades with STARTTLS when the server offers it. */
  secure: boolean;
  username?: string;
  /** Named `password` so the logger's redaction covers it wherever the settings end up. */
  password?: string;
}

const int = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum });
const bool = { type: 'boolean' };

// Every variable arrives as a string; ajv coerces numbers and booleans in place.
const envSchema = {
  type: 'object',
  properties: {
    REDIS_URL: { type: 'string', pattern: '^rediss?://[^,\\s]+(,rediss?://[^,\\s]+)*$' },
    REDIS_CLUSTER: bool,
    QUEUE_SHARDS: int(1, 256),
    WORKER_SHARDS: { type: 'string', pattern: '^[0-9]{1,3}(,[0-9]{1,3})*$' },
    REDIS_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9:{}_-]{1,64}$' },
    PORT: int(0, 65535),
    HTTPS_PORT: int(0, 65535),
    TLS_CERT_FILE: { type: 'string', minLength: 1 },
    TLS_KEY_FILE: { type: 'string', minLength: 1 },
    PUBLIC_BASE_URL: { type: 'string', pattern: '^https?://[^\\s?#]+$' },
    SERVER_ID: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' },
    ADMIN_TOKEN: { type: 'string', minLength: 16 },
    ADMIN_PORT: int(0, 65535),
    ADMIN_HOST: { type: 'string', pattern: '^[A-Za-z0-9.:_-]{1,253}$' },
    METRICS_ON_ADMIN_PORT: bool,
    C2C_MASTER_KEY: { type: 'string', pattern: '^[A-Za-z0-9+/=_-]{43,44}$' },
    STATUS_TTL_SECONDS: int(60, 31536000),
    LOG_LEVEL: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    WORKER_CONCURRENCY: int(1, 10000),
    DEFAULT_WAIT_SECONDS: int(0, 130),
    QUEUE_MAX_AGE_SECONDS: int(1, 3600),
    RELOAD_WINDOW_SECONDS: int(0, 3600),
    UNAUTHENTICATED_PER_MINUTE: int(1, 1000000),
    ALLOW_PRIVATE_PBX_ADDRESSES: bool,
    ALLOW_PRIVATE_WEBHOOK_ADDRESSES: bool,
    WEBHOOK_TIMEOUT_MS: int(100, 60000),
    WEBHOOK_RETRY_BASE_MS: int(10, 3600000),
    AGENT_PAUSE_CHECK_MS: int(50, 600000),
    TRUST_PROXY: { type: 'string', minLength: 1, maxLength: 1000 },
    SHUTDOWN_TIMEOUT_MS: int(100, 600000),
  },
} as const;

const ajv = new Ajv({ allErrors: true, coerceTypes: true });
const validateEnv = ajv.compile(envSchema);

/** Thrown when the environment is wrong; its message names every bad variable at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;
type Coerced = Record<string, string | number | boolean | undefined>;

function decodeMasterKey(text: string | undefined, problems: string[]): Buffer {
  if (text === undefined) {
    problems.push('C2C_MASTER_KEY is required: 32 random bytes in base64 (e.g. `openssl rand -base64 32`)');
    return Buffer.alloc(32);
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) problems.push(`C2C_MASTER_KEY must decode to 32 bytes, got ${key.length}`);
  return key;
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const MAX_PROXY_HOPS = 10;
const TRUST_PROXY_HELP = 'name the proxies in front of the relay: a hop count (TRUST_PROXY=1 for one proxy) or their addresses (TRUST_PROXY=loopback, or TRUST_PROXY=10.0.0.5,10.1.0.0/16)';

function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

function parseTrustProxy(text: string | undefined, problems: string[]): TrustProxy {
  if (text === undefined || /^(false|0)$/i.test(text)) return false;
  if (/^true$/i.test(text)) {
    problems.push(`TRUST_PROXY=true would believe any client's X-Forwarded-For, so a client could choose the address it is limited by; ${TRUST_PROXY_HELP}`);
    return false;
  }
  if (/^[0-9]+$/.test(text)) {
    // A count above the real number of proxies trusts what the client wrote: as bad as `true`.
    if (Number(text) > MAX_PROXY_HOPS) problems.push(`TRUST_PROXY hop count must be at most ${MAX_PROXY_HOPS}, the proxies actually in front of the relay (got ${text})`);
    return Number(text);
  }
  const entries = text.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !PROXY_NAMES.includes(entry) && !isAddressOrCidr(entry));
  if (bad.length > 0) problems.push(`TRUST_PROXY has ${bad.map((entry) => JSON.stringify(entry)).join(', ')}, which is not an address, a CIDR or one of ${PROXY_NAMES.join(', ')}; ${TRUST_PROXY_HELP}`);
  return entries;
}

const SMTP_URL_HELP = 'SMTP_URL must be smtp://[user:password@]host[:port] (STARTTLS when offered, port 587 by default) or smtps://[user:password@]host[:port] (TLS, port 465 by default)';

/** The URL as it may be shown: its password, which may be part of it, never is. */
function shownSmtpUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password !== '') copy.password = 'REDACTED';
  return copy.href;
}

function parseSmtpUrl(text: string | undefined, problems: string[]): SmtpServer | undefined {
  if (text === undefined) return undefined;
  if (!URL.canParse(text)) {
    problems.push(`${SMTP_URL_HELP} (got a value that is not a URL; not shown, as it may hold a password)`);
    return undefined;
  }
  const url = new URL(text);
  const secure = url.protocol === 'smtps:';
  const problem =
    url.protocol !== 'smtp:' && !secure
      ? `its scheme is ${url.protocol.slice(0, 20)}`
      : url.hostname === ''
        ? 'it names no host'
        : !['', '/'].includes(url.pathname) || url.search !== '' || url.hash !== ''
          ? 'it has a path, query or fragment, which the relay would ignore'
          : url.username === '' && url.password !== ''
            ? 'it has a password without a user'
            : undefined;
  if (problem !== undefined) {
    problems.push(`${SMTP_URL_HELP}: ${problem} (got ${JSON.stringify(shownSmtpUrl(url))})`);
    return undefined;
  }
  const server: SmtpServer = { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? (secure ? 465 : 587) : Number(url.port), secure };
  return url.username === '' ? server : { ...server, username: percentDecoded(url.username), password: percentDecoded(url.password) };
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseSmtpFrom(text: string | undefined, problems: string[]): string {
  if (text === undefined) return DEFAULT_SMTP_FROM;
  const problem = emailAddressProblem(text, { singleLabelDomain: true });
  if (problem !== undefined) problems.push(`SMTP_FROM ${problem} (got ${JSON.stringify(text.slice(0, 300))})`);
  return text;
}

/** The sender of no-answer emails when neither SMTP_FROM nor the account's `email_from` says otherwise. */
export const DEFAULT_SMTP_FROM = 'c2c-relay@localhost';

/** Pure: turns the environment into a typed configuration, or throws one ConfigError naming every problem. */
export function parseConfig(rawEnv: Env): Config {
  // Empty variables count as unset, the way a `.env` line `NAME=` is meant.
  const env: Env = Object.fromEntries(Object.entries(rawEnv).filter(([, value]) => value !== ''));
  const problems: string[] = [];
  const v: Coerced = Object.fromEntries(
    Object.keys(envSchema.properties).flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]])),
  );
  if (!validateEnv(v)) {
    for (const error of validateEnv.errors ?? []) {
      const name = error.instancePath.replace(/^\//, '');
      problems.push(`${name} ${error.message ?? 'is invalid'} (got ${JSON.stringify(name === 'ADMIN_TOKEN' || name === 'C2C_MASTER_KEY' ? 'REDACTED' : env[name])})`);
    }
  }
  const httpsParts = [env.HTTPS_PORT, env.TLS_CERT_FILE, env.TLS_KEY_FILE].filter((v) => v !== undefined).length;
  if (httpsParts !== 0 && httpsParts !== 3) {
    problems.push('HTTPS_PORT, TLS_CERT_FILE and TLS_KEY_FILE go together: HTTPS needs a port, a certificate and its key');
  }
  if (v.METRICS_ON_ADMIN_PORT === true && env.ADMIN_PORT === undefined) {
    problems.push('METRICS_ON_ADMIN_PORT=true needs ADMIN_PORT: /metrics moves to the admin port, so there must be one');
  }
  const trustProxy = parseTrustProxy(env.TRUST_PROXY, problems);
  const queueShards = (v.QUEUE_SHARDS as number | undefined) ?? 1;
  const workerShards = env.WORKER_SHARDS === undefined ? undefined : [...new Set(env.WORKER_SHARDS.split(',').map(Number))];
  if (workerShards?.some((n) => n >= queueShards)) problems.push(`WORKER_SHARDS names shards 0 to ${queueShards - 1} (QUEUE_SHARDS=${queueShards}): a shard no queue exists for would never be served`);
  if (v.REDIS_CLUSTER !== true && (env.REDIS_URL ?? '').includes(',')) problems.push('REDIS_URL names several nodes: set REDIS_CLUSTER=true for a Redis Cluster');
  if (v.REDIS_CLUSTER === true && (env.REDIS_PREFIX ?? '').includes('{')) problems.push('REDIS_PREFIX must not hold a {hash tag} on a Redis Cluster: the relay tags each shard\'s keys itself (QUEUE_SHARDS), and a tag in the prefix would put every shard in one slot');
  const masterKey = decodeMasterKey(env.C2C_MASTER_KEY, problems);
  const smtp = parseSmtpUrl(env.SMTP_URL, problems);
  const smtpFrom = parseSmtpFrom(env.SMTP_FROM, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const num = (name: string, fallback: number): number => (v[name] as number | undefined) ?? fallback;
  const optionalNum = (name: string): number | undefined => v[name] as number | undefined;
  const port = num('PORT', 8080);
  return {
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: env.REDIS_PREFIX ?? 'c2c',
    redisCluster: v.REDIS_CLUSTER === true,
    queueShards,
    workerShards,
    port,
    httpsPort: optionalNum('HTTPS_PORT'),
    tlsCertFile: env.TLS_CERT_FILE,
    tlsKeyFile: env.TLS_KEY_FILE,
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    serverId: env.SERVER_ID ?? `${hostname()}-${process.pid}`,
    adminToken: env.ADMIN_TOKEN,
    adminPort: optionalNum('ADMIN_PORT'),
    // Loopback unless the operator says otherwise: the admin API and metrics are for the operator's own network.
    adminHost: env.ADMIN_HOST ?? '127.0.0.1',
    metricsOnAdminPort: v.METRICS_ON_ADMIN_PORT === true,
    masterKey,
    statusTtlSeconds: num('STATUS_TTL_SECONDS', 30 * 24 * 3600),
    logLevel: (v.LOG_LEVEL as string | undefined) ?? 'info',
    workerConcurrency: num('WORKER_CONCURRENCY', 200),
    defaultWaitSeconds: num('DEFAULT_WAIT_SECONDS', 10),
    queueMaxAgeSeconds: num('QUEUE_MAX_AGE_SECONDS', 60),
    reloadWindowSeconds: num('RELOAD_WINDOW_SECONDS', 10),
    unauthenticatedPerMinute: num('UNAUTHENTICATED_PER_MINUTE', 60),
    allowPrivatePbxAddresses: v.ALLOW_PRIVATE_PBX_ADDRESSES === true,
    allowPrivateWebhookAddresses: v.ALLOW_PRIVATE_WEBHOOK_ADDRESSES === true,
    webhookTimeoutMs: num('WEBHOOK_TIMEOUT_MS', 10000),
    webhookRetryBaseMs: num('WEBHOOK_RETRY_BASE_MS', 10000),
    trustProxy,
    shutdownTimeoutMs: num('SHUTDOWN_TIMEOUT_MS', 10000),
    agentPauseCheckMs: num('AGENT_PAUSE_CHECK_MS', 10000),
    smtp,
    smtpFrom,
  };
}
