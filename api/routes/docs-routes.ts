import { Router } from 'express';
import { DOCS_ASSETS, DOCS_CSP, DOCS_PAGE } from '../openapi/docs-page.js';
import { buildOpenApiDocument } from '../openapi/openapi-document.js';
import { sendJson } from '../middleware/send-json.js';

const ASSET_MAX_AGE = '1h';

/** `/openapi.json` (built once, at boot) and `/docs`, Swagger UI served from the relay's own node_modules. */
export function docsRoutes(): Router {
  const router = Router();
  const document = JSON.stringify(buildOpenApiDocument());

  router.get('/openapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    // A public description: tools in other origins (editors, API clients) may read it.
    res.setHeader('Access-Control-Allow-Origin', '*');
    sendJson(res, 200, document);
  });

  router.get('/docs', (_req, res) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(DOCS_PAGE);
  });

  router.get('/docs/:asset', (req, res) => {
    const asset = Object.hasOwn(DOCS_ASSETS, req.params.asset) ? DOCS_ASSETS[req.params.asset] : undefined;
    if (asset === undefined) {
      res.status(404).json({ error: { code: 'not_found', message: 'No such file.' } });
      return;
    }
    if ('file' in asset) {
      res.sendFile(asset.file, { maxAge: ASSET_MAX_AGE });
      return;
    }
    res.setHeader('Cache-Control', 'max-age=3600');
    res.type(asset.type).send(asset.body);
  });

  return router;
}
