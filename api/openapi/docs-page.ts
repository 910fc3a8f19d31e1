import { createRequire } from 'node:module';
import path from 'node:path';

/** Swagger UI's files as the npm package ships them; the relay serves them itself (no CDN). */
const SWAGGER_UI_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** Starts Swagger UI on the relay's own description. "Try it out" is off: a docs page must not ring phones or hold keys. */
const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#docs',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    supportedSubmitMethods: [],
    validatorUrl: null,
    defaultModelsExpandDepth: 0
  });
});
`;

/** What `/docs/{asset}` serves: a file of swagger-ui-dist, or the script above. */
export const DOCS_ASSETS: Record<string, { file: string } | { type: string; body: string }> = {
  'swagger-ui.css': { file: path.join(SWAGGER_UI_DIR, 'swagger-ui.css') },
  'swagger-ui-bundle.js': { file: path.join(SWAGGER_UI_DIR, 'swagger-ui-bundle.js') },
  'docs-init.js': { type: 'text/javascript; charset=utf-8', body: INIT_SCRIPT },
};

/**
 * The page's policy, loosened from the relay's `default-src 'none'` only as far as Swagger UI
 * needs: its scripts and stylesheet from this origin (still no inline script, no eval), the inline
 * styles and data: images (icons) it draws with, and a fetch of /openapi.json from this origin.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>c2c-relay API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head><body>
<div id="docs"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs-init.js"></script>
</body></html>
`;
