/**
 * The sandbox's demo shop page (npm run dev): a page on its own origin that embeds the "call me"
 * widget of the demo's public endpoint with one script tag, as a customer's site would.
 * Env: DEMO_PORT (the port to listen on), WIDGET_SRC (the widget's URL).
 */
import { createServer } from 'node:http';

const port = Number(process.env.DEMO_PORT ?? 8081);
const widget = process.env.WIDGET_SRC ?? '';
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Demo shop (c2c-relay sandbox)</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}
.c2c-widget{display:grid;gap:.5rem;max-width:20rem;padding:1rem;border:1px solid #ccc;border-radius:.5rem}
.c2c-consent{font-size:.85rem;color:#555;margin:0}</style></head>
<body>
<h1>Demo shop</h1>
<p>Questions? Leave your number and we call you right away. Sandbox numbers: 555 0100 answers, 555 0101 rings out, 555 0102 is busy.</p>
<div id="call-me"></div>
<script src="${escape(widget)}" data-target="#call-me" data-label="Call me" async></script>
</body>
</html>
`;

createServer((_req, res) => {
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(page);
}).listen(port, '127.0.0.1', () => process.stdout.write(`demo page on http://127.0.0.1:${port}/\n`));
