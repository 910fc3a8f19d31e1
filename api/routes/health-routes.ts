import { Router } from 'express';
import type { RedisClient } from '../../shared/redis.js';

export interface HealthDeps {
  redis: RedisClient;
  isShuttingDown: () => boolean;
}

/** Liveness and readiness (503 while Redis is down or shutting down): on the public port, for load balancers. */
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
  return router;
}
