import { Router } from 'express';
import type { Registry } from 'prom-client';

/** Prometheus metrics: on the public port by default, or on the admin port (METRICS_ON_ADMIN_PORT). */
export function metricsRoutes(registry: Registry): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
