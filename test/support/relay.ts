import { randomBytes } from 'node:crypto';
import { startWeb, type WebHandle } from '../../api/main.js';
import { parseConfig, type Config } from '../../shared/config.js';
import { createLogger } from '../../shared/logger.js';
import { Shards } from '../../shared/shards.js';
import { startWorker, type WorkerHandle } from '../../worker/main.js';
import { LogCapture } from './log-capture.js';
import { freshPrefix, TEST_REDIS_ENV } from './redis-url.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface Relay {
  config: Config;
  /** Where the relay's keys live (one untagged shard, or QUEUE_SHARDS tagged ones on a cluster). */
  shards: Shards;
  web: WebHandle;
  worker: WorkerHandle | undefined;
  base: string;
  logs: LogCapture;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** The real web and worker code against the test Redis, on port 0, with a fresh key prefix. */
export async function startRelay(env: Record<string, string> = {}, options: { worker?: boolean } = {}): Promise<Relay> {
  const config = parseConfig({
    // A test that brings its own Redis (a standalone server it stops and starts) sets REDIS_URL itself.
    ...(env.REDIS_URL === undefined ? TEST_REDIS_ENV : {}),
    REDIS_PREFIX: freshPrefix(),
    PORT: '0',
    C2C_MASTER_KEY: randomBytes(32).toString('base64'),
    ADMIN_TOKEN,
    LOG_LEVEL: 'info',
    ALLOW_PRIVATE_PBX_ADDRESSES: 'true',
    SERVER_ID: 'test-relay',
    SHUTDOWN_TIMEOUT_MS: '5000',
    // Tests repeat identical calls on purpose; the reload window has its own test.
    RELOAD_WINDOW_SECONDS: '0',
    ...env,
  });
  const logs = new LogCapture();
  const logger = createLogger({ level: config.logLevel, name: 'test' }, logs);
  const web = await startWeb(config, logger);
  const base = `http://127.0.0.1:${web.httpPort}`;
  config.publicBaseUrl = base;
  const worker = options.worker === false ? undefined : await startWorker(config, logger);
  const adminBase = web.adminPort === undefined ? base : `http://127.0.0.1:${web.adminPort}`;
  return {
    config,
    shards: new Shards(config.redisPrefix, config.queueShards, config.redisCluster),
    web,
    worker,
    base,
    logs,
    async admin(method, path, body) {
      const response = await fetch(`${adminBase}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    async stop() {
      await worker?.shutdown.run();
      await web.shutdown.run();
    },
  };
}

/** Creates an account with a key and the given PBX connection through the admin API. */
export async function provision(relay: Relay, kind: string, settings: unknown, policy?: unknown): Promise<{ accountId: string; apiKey: string }> {
  const account = await relay.admin('POST', '/admin/v1/accounts', { name: 'Test Co' });
  if (account.status !== 201 && account.status !== 200) throw new Error(`POST account failed: HTTP ${account.status} ${JSON.stringify(account.body)}`);
  const accountId = account.body.account.id as string;
  const key = await relay.admin('POST', `/admin/v1/accounts/${accountId}/keys`, { label: 'test' });
  const put = await relay.admin('PUT', `/admin/v1/accounts/${accountId}/pbx/${kind}`, settings);
  if (put.status !== 200) throw new Error(`PUT pbx failed: ${JSON.stringify(put.body)}`);
  if (policy !== undefined) await relay.admin('PUT', `/admin/v1/accounts/${accountId}/policy`, policy);
  return { accountId, apiKey: key.body.key.api_key as string };
}

export async function click2call(relay: Relay, params: Record<string, string>, init: RequestInit = {}): Promise<any> {
  const response = await fetch(`${relay.base}/v1/click2call?${new URLSearchParams(params)}`, init);
  if (response.status !== 200) throw new Error(`click2call answered HTTP ${response.status}`);
  return ((await response.json()) as { response: unknown }).response;
}

export async function statusOf(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; etag: string | null }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), etag: response.headers.get('etag') };
}
