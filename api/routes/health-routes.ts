import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';

export interface HealthDeps {
  redis: Redis;
  isShuttingDown: () => boolean;
  registry: Registry;
}

/** Liveness, readiness (503 while Redis is down or shutting down) and Prometheus metrics. */
export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/readyz', async (_req, res) => {
    if (deps.isShuttingDown()) {
      res.setHeader('Connection', 'close');
      res.status(503).json({ ok: false, reason: 'shutting down' });
      return;
    }
    try {
      if (deps.redis.status !== 'ready') throw new Error('not connected');
      await deps.redis.ping();
      res.json({ ok: true });
    } catch {
      res.status(503).json({ ok: false, reason: 'redis unavailable' });
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  return router;
}
