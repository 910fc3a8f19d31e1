import { Queue, QueueEvents } from 'bullmq';
import type { Express, Router } from 'express';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { AccountStore } from '../shared/accounts/account-store.js';
import type { PbxKind } from '../shared/accounts/pbx-settings.js';
import { CALL_QUEUE, PBX_TEST_QUEUE, type PbxTestJob } from '../shared/call-job.js';
import type { Config } from '../shared/config.js';
import { isEntryPoint, runProcess } from '../shared/process-entry.js';
import { createRedis, waitUntilReady } from '../shared/redis.js';
import { deriveKey } from '../shared/security/tokens.js';
import { StatusTokens } from '../shared/security/status-tokens.js';
import { Shutdown } from '../shared/shutdown.js';
import { Shards } from '../shared/shards.js';
import { StatusStore } from '../shared/status/status-store.js';
import { buildApp } from './app.js';
import { AdmissionControl } from '../shared/admission/admission.js';
import { DuplicateGuard } from '../shared/admission/duplicate-guard.js';
import { RateLimiter } from '../shared/admission/rate-limiter.js';
import { ApiKeyAuth } from './auth/api-key-auth.js';
import { ChangeFeed } from './change-feed.js';
import { Answers } from './calls/call-answer.js';
import { CallPlacement } from './calls/call-placement.js';
import { ConnectService } from './clicktocall/connect-service.js';
import { Click2CallService } from './click2call/click2call-service.js';
import { EndpointStore } from '../shared/endpoints/endpoint-store.js';
import { clickToCallRoutes } from './routes/clicktocall-routes.js';
import { endpointAdminRoutes } from './routes/endpoint-admin-routes.js';
import { smsGatewayRoutes } from './routes/sms-gateway-routes.js';
import { SmsGatewayStore } from '../shared/accounts/sms-gateway-store.js';
import { agentAdminRoutes } from './routes/agent-admin-routes.js';
import { AgentQueueStore } from '../shared/agents/agent-queue-store.js';
import { FindMeStore } from '../shared/findme/findme-store.js';
import { adminRoutes } from './routes/admin-routes.js';
import { callRoutes, click2callRoutes } from './routes/click2call-routes.js';
import { clickToAgent, clickToFindMe } from './dialogtech/dialogtech-calls.js';
import { fallbackChecks } from './dialogtech/fallback-checks.js';
import { healthRoutes } from './routes/health-routes.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { statusRoutes } from './routes/status-routes.js';
import { docsRoutes } from './routes/docs-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import { DeliveryLog } from '../shared/webhooks/delivery-log.js';
import { WEBHOOK_QUEUE } from '../shared/webhooks/webhook-job.js';
import { WebhookStore } from '../shared/webhooks/webhook-store.js';
import { hotLane, type HotLaneDeps } from './hot-lane.js';
import { HttpMetrics } from './http-metrics.js';
import { StatusReads } from './status/status-reads.js';

export interface WebHandle {
  httpPort: number;
  httpsPort: number | undefined;
  adminPort: number | undefined;
  shutdown: Shutdown;
  /** The public app, every route mounted (admin too without ADMIN_PORT): the API description's test walks it. */
  app: Express;
}

const PBX_TEST_TIMEOUT_MS = 20_000;
/** A visitor's address may place this many public connects a minute through one saved endpoint. */
const PUBLIC_CONNECTS_PER_ADDRESS_PER_MINUTE = 3;

/** Listens on `host`, or on every interface when it is undefined. */
function listen(server: http.Server | https.Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** A server for `app`; with a hot lane, the lane answers what it takes and Express the rest. */
function serve(app: Express, lane?: RequestListener): http.Server {
  const server = http.createServer(lane ? inFrontOf(app, lane) : app);
  hardenServer(server);
  return server;
}

type RequestListener = ReturnType<typeof hotLane>;

function inFrontOf(app: Express, lane: RequestListener): http.RequestListener {
  return (req, res) => {
    if (!lane(req, res)) app(req, res);
  };
}

/** Slow clients cannot hold connections forever. */
function hardenServer(server: http.Server | https.Server): void {
  server.headersTimeout = 10_000;
  server.requestTimeout = 140_000; // above the longest `wait` (130 s)
  server.keepAliveTimeout = 5_000;
}

/** How long a starting web process waits for Redis before it listens anyway. */
const STARTUP_REDIS_WAIT_MS = 5000;

/** Composition root of the web process. */
export async function startWeb(config: Config, logger: Logger): Promise<WebHandle> {
  const redis = createRedis(config, 'api', logger);
  const subscriber = createRedis(config, 'subscriber', logger);
  const shards = new Shards(config.redisPrefix, config.queueShards, config.redisCluster);
  const statusStore = new StatusStore(redis, config.redisPrefix, config.statusTtlSeconds, 0, shards);
  const admission = new AdmissionControl(redis, config.redisPrefix, statusStore);
  const accounts = new AccountStore(redis, config.redisPrefix, config.masterKey, shards);
  const webhooks = new WebhookStore(redis, config.redisPrefix, config.masterKey, shards);
  const auth = new ApiKeyAuth(accounts);
  const feed = new ChangeFeed(subscriber, statusStore.channel, accounts.channel, logger);
  feed.onAuthChange((change) => auth.onChange(change));
  accounts.onLocalChange((change) => auth.onChange(change));
  await feed.start();
  // The PBX-test and webhook queues live in shard 0 (one hash slot on a Cluster).
  const prefix = shards.queuePrefix(0);
  // BullMQ gets a connection of its own (the queues only add jobs).
  const queueRedis = createRedis(config, 'api', logger);
  const queues = shards.all().map((n) => {
    const queue = new Queue(CALL_QUEUE, {
      connection: queueRedis,
      prefix: shards.queuePrefix(n),
      // Nothing reads the call queue's event stream (failures are handled in the worker); keep it short.
      streams: { events: { maxLen: 1000 } },
      defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } },
    });
    queue.on('error', (err) => logger.error({ err, shard: n }, 'queue error'));
    return queue;
  });
  const tokens = new StatusTokens(deriveKey(config.masterKey, 'status-token'));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const limiter = new RateLimiter(redis, config.redisPrefix, shards);
  // Read at each call: tests (and the dev command) learn the public base URL once the server listens.
  const answers = new Answers(config.serverId, (id) => `${config.publicBaseUrl}/v1/status/${id}?token=${tokens.sign(id)}`);
  const placement = new CallPlacement({
    callbackHosts: webhooks,
    admission,
    limiter,
    duplicates: new DuplicateGuard(config.redisPrefix, config.reloadWindowSeconds, shards),
    statusStore,
    feed,
    queues,
    shards,
    answers,
    defaultWaitSeconds: config.defaultWaitSeconds,
    queueMaxAgeSeconds: config.queueMaxAgeSeconds,
    logger,
  });
  const click2call = new Click2CallService({ auth, limiter, placement, answers, unauthenticatedPerMinute: config.unauthenticatedPerMinute, serverId: config.serverId, logger });
  const endpoints = new EndpointStore(redis, config.redisPrefix, shards);
  const connectTokenKey = deriveKey(config.masterKey, 'connect-token');
  const connect = new ConnectService({
    endpoints,
    auth,
    limiter,
    placement,
    answers,
    tokenKey: connectTokenKey,
    serverId: config.serverId,
    perAddressPerMinute: PUBLIC_CONNECTS_PER_ADDRESS_PER_MINUTE,
    unauthenticatedPerMinute: config.unauthenticatedPerMinute,
    logger,
  });

  const agentQueues = new AgentQueueStore(redis, config.redisPrefix);
  const findMe = new FindMeStore(redis, config.redisPrefix);
  const smsGateways = new SmsGatewayStore(redis, config.redisPrefix, config.masterKey);
  const dialogTech = {
    agentQueues,
    findMeLists: findMe,
    fallbackProblem: fallbackChecks({ smsGateways, webhooks, allowHttp: config.allowPrivateWebhookAddresses, smtpConfigured: config.smtp !== undefined }),
  };

  let shuttingDown = false;
  // Status reads have a connection of their own, auto-pipelined (shared/redis.ts): no call waits behind them.
  const readRedis = createRedis(config, 'api', logger, { enableAutoPipelining: true });
  const statusReadStore = new StatusStore(readRedis, config.redisPrefix, config.statusTtlSeconds, 0, shards);
  const statusReads = new StatusReads({ statusStore: statusReadStore, auth, tokens });
  // The two hot routes come first: Express tries each router in turn (for what the hot lane leaves to it).
  const routers = [
    click2callRoutes(click2call),
    statusRoutes({ statusStore: statusReadStore, auth, feed, tokens }, statusReads),
    callRoutes('/v1/clicktoagent', click2call, clickToAgent(dialogTech)),
    callRoutes('/v1/clicktofindme', click2call, clickToFindMe(dialogTech)),
    clickToCallRoutes({ connect, endpoints, tokenKey: connectTokenKey }),
    healthRoutes({ redis, isShuttingDown: () => shuttingDown }),
  ];
  // The operator's routes go to the admin port when there is one; health stays public for load balancers.
  const operatorRouters: Router[] = [];
  if (config.metricsOnAdminPort) operatorRouters.push(metricsRoutes(registry));
  else routers.push(metricsRoutes(registry));
  routers.push(docsRoutes());

  let testQueue: Queue | undefined;
  let webhookQueue: Queue | undefined;
  let testEvents: QueueEvents | undefined;
  if (config.adminToken) {
    testQueue = new Queue(PBX_TEST_QUEUE, { connection: queueRedis, prefix });
    testQueue.on('error', (err) => logger.error({ err }, 'test queue error'));
    testEvents = new QueueEvents(PBX_TEST_QUEUE, { connection: createRedis(config, 'subscriber', logger), prefix });
    testEvents.on('error', (err) => logger.error({ err }, 'test queue events error'));
    const events = testEvents;
    const tests = testQueue;
    const testPbx = async (accountId: string, kind: PbxKind) => {
      const job = await tests.add('test', { account_id: accountId, pbx: kind } satisfies PbxTestJob, { removeOnComplete: true, removeOnFail: true });
      try {
        return (await job.waitUntilFinished(events, PBX_TEST_TIMEOUT_MS)) as { ok: boolean; detail: string };
      } catch (err) {
        return { ok: false, detail: `no worker answered the test in time (${(err as Error).message})` };
      }
    };
    const admin = adminRoutes({ adminToken: config.adminToken, accounts, statusStore, testPbx, logger });
    // Re-sends of webhook deliveries are queued by the API; the worker sends them.
    webhookQueue = new Queue(WEBHOOK_QUEUE, { connection: queueRedis, prefix });
    webhookQueue.on('error', (err) => logger.error({ err }, 'webhook queue error'));
    const webhookAdmin = webhookRoutes({ adminToken: config.adminToken, accounts, webhooks, deliveries: new DeliveryLog(redis, config.redisPrefix), queue: webhookQueue, logger });
    const endpointAdmin = endpointAdminRoutes({ adminToken: config.adminToken, accounts, endpoints, statusStore, logger });
    const smsGatewayAdmin = smsGatewayRoutes({ adminToken: config.adminToken, accounts, gateways: smsGateways, logger });
    const agentAdmin = agentAdminRoutes({ adminToken: config.adminToken, accounts, agentQueues, findMe, logger });
    if (config.adminPort === undefined) routers.splice(2, 0, admin, webhookAdmin, endpointAdmin, smsGatewayAdmin, agentAdmin);
    else operatorRouters.unshift(admin, webhookAdmin, endpointAdmin, smsGatewayAdmin, agentAdmin);
  }
  const adminServer =
    config.adminPort !== undefined && operatorRouters.length > 0
      ? serve(buildApp({ logger, metrics: new HttpMetrics(new Registry()), routers: operatorRouters, trustProxy: config.trustProxy, serverId: config.serverId }))
      : undefined;

  // Listen once Redis is connected (a Cluster client first loads the slot map), or after a few
  // seconds anyway: with Redis down the API still answers (service_unavailable, readyz 503) and recovers by itself.
  await Promise.all([redis, queueRedis, readRedis].map((client) => waitUntilReady(client, STARTUP_REDIS_WAIT_MS))).catch((err: unknown) =>
    logger.warn({ err: { message: (err as Error).message } }, 'listening before Redis is ready'),
  );
  const metrics = new HttpMetrics(registry);
  const app = buildApp({ logger, metrics, routers, trustProxy: config.trustProxy, serverId: config.serverId });
  // GET click2calls and JSON status reads skip Express (api/hot-lane.ts); the same answers, a quarter less CPU per call.
  const lane = hotLane({ click2call, statusReads, metrics, trustProxy: app.get('trust proxy fn') as HotLaneDeps['trustProxy'], logger, serverId: config.serverId });
  const httpServer = serve(app, lane);
  const httpPort = await listen(httpServer, config.port);
  let httpsServer: https.Server | undefined;
  let httpsPort: number | undefined;
  if (config.httpsPort !== undefined && config.tlsCertFile && config.tlsKeyFile) {
    httpsServer = https.createServer({ cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) }, inFrontOf(app, lane));
    hardenServer(httpsServer);
    httpsPort = await listen(httpsServer, config.httpsPort);
  }
  const adminPort = adminServer ? await listen(adminServer, config.adminPort ?? 0, config.adminHost) : undefined;
  logger.info({ httpPort, httpsPort, adminPort, adminHost: adminServer ? config.adminHost : undefined, admin: Boolean(config.adminToken), metricsOnAdminPort: config.metricsOnAdminPort }, 'web ready');

  const servers = [httpServer, httpsServer, adminServer].filter((s): s is http.Server => s !== undefined);
  const shutdown = new Shutdown(logger, config.shutdownTimeoutMs)
    .add('stop accepting (readiness 503)', () => {
      shuttingDown = true;
    })
    .add('finish in-flight requests', () =>
      Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeIdleConnections();
            }),
        ),
      ),
    )
    .add('close queues', () => Promise.all([...queues.map((queue) => queue.close()), testQueue?.close(), testEvents?.close(), webhookQueue?.close()]))
    .add('stop change feed', () => feed.close())
    .add('quit redis', () => Promise.all([redis.quit(), queueRedis.quit(), readRedis.quit(), subscriber.quit()]));
  return { httpPort, httpsPort, adminPort, shutdown, app };
}

if (isEntryPoint(import.meta.url)) runProcess('c2c-web', startWeb);
