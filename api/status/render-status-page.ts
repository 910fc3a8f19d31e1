import { createHash } from 'node:crypto';
import { isPbxKind } from '../../shared/accounts/pbx-settings.js';
import { PBX_CAPABILITIES } from '../../shared/pbx-capabilities.js';
import { isTerminal, outcomeUnknown, type StatusDocument } from '../../shared/status/status-document.js';
import { LIVE_UPDATE_SCRIPT } from './live-update-script.js';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const text = (value: unknown): string => escapeHtml(value === undefined || value === null ? '' : String(value));

function time(utc: unknown): string {
  const seconds = Number(utc);
  if (!Number.isFinite(seconds)) return '';
  return new Date(seconds * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC');
}

/**
 * The page's only script, allowed by its hash: no inline script of any other content, and nothing
 * from elsewhere, can run on a page that shows what a caller sent.
 */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  `script-src 'sha256-${createHash('sha256').update(LIVE_UPDATE_SCRIPT).digest('base64')}'`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const WARNINGS: Record<string, string> = { '0': 'none', '1': 'both parties', '2': 'first leg only', '3': 'second leg only' };

/** The call options of SPEC §8 that the request carried, as label and value. */
function optionRows(data: Record<string, unknown>): [string, string][] {
  const rows: [string, string][] = [];
  if (data.dial_as !== undefined && data.dial_as !== data.dial_first) rows.push(['dialed as', String(data.dial_as)]);
  if (data.page !== undefined) rows.push(['page', String(data.page)]);
  if (data.ref !== undefined) rows.push(['ref', String(data.ref)]);
  if (data.record !== undefined && String(data.record) !== '0') rows.push(['recording', `yes, warning: ${WARNINGS[String(data.warning ?? '1')] ?? String(data.warning)}`]);
  if (data.first_callerid !== undefined) rows.push(['caller ID on leg 1', String(data.first_callerid)]);
  if (data.second_callerid !== undefined) rows.push(['caller ID on leg 2', String(data.second_callerid)]);
  if (data.wait_for !== undefined) rows.push(['answer waited for', String(data.wait_for)]);
  if (data.timeout !== undefined) rows.push(['ring time per leg', `${String(data.timeout)} s`]);
  return rows;
}

/** FindMe attempts (SPEC §9) when the document has them; anything not shaped like one is left out. */
function attemptRows(doc: StatusDocument): string {
  const attempts = (doc as { attempts?: unknown }).attempts;
  if (!Array.isArray(attempts) || attempts.length === 0) return '';
  const rows = attempts
    .filter((a): a is Record<string, unknown> => a !== null && typeof a === 'object')
    .map((a) => `<tr><td>${text(time(a['utc.time']))}</td><td>${text(a.called_number)}</td><td>${text(a.call_result)}</td></tr>`)
    .join('\n');
  return `<h2>Attempts</h2><table class="attempts"><thead><tr><th>time</th><th>number</th><th>result</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

/** Nothing more will be learnt: an end state, an unknown outcome, or a PBX's verdict when that PBX reports no progress. */
function isSettled(doc: StatusDocument): boolean {
  if (isTerminal(doc.state) || outcomeUnknown(doc)) return true;
  const pbx = doc.request.request_data.pbx;
  return doc.state === 'accepted' && isPbxKind(pbx) && !PBX_CAPABILITIES[pbx].reportsProgress;
}

/**
 * A readable page of the same timeline for people who paste the status URL into a browser. The
 * part that changes is one `<main>`; while the call moves, the page's script long-polls the same
 * URL (`wait`, `If-None-Match: <etag>`) and swaps in the new `<main>` the server rendered, so this
 * function stays the one place that turns a document into HTML.
 */
export function renderStatusPage(doc: StatusDocument, etag: string): string {
  const data = doc.request.request_data;
  const events = doc.events
    .map((e) => `<tr><td>${text(time(e['utc.time']))}</td><td>${text(e.event)}</td><td>${e.leg === undefined ? '' : `leg ${text(e.leg)}`}</td><td>${text(e.cause)}</td></tr>`)
    .join('\n');
  const note = outcomeUnknown(doc) ? '<p>The PBX may have placed this call; its answer was lost, so nothing more will be known about it.</p>' : '';
  const error = doc.response?.error ? `<p class="error">${text(doc.response.error.code)}: ${text(doc.response.error.message)}</p>${note}` : '';
  const options = optionRows(data);
  const optionList = options.length === 0 ? '' : `<dl class="options">${options.map(([label, value]) => `<dt>${text(label)}</dt><dd>${text(value)}</dd>`).join('')}</dl>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Call ${text(doc.request_id)}: ${text(doc.state)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:48em}td,th{padding:.2em .8em;text-align:left}.state{font-size:1.6em}.error{color:#a00}dl.options{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dd{margin:0;overflow-wrap:anywhere}</style></head>
<body><main id="status" data-etag="${text(etag)}" data-settled="${isSettled(doc)}">
<h1>Click-to-call</h1>
<p class="state">State: <strong id="state">${text(doc.state)}</strong></p>
<p>${text(data.dial_first)} → ${text(data.dial_second)} via ${text(data.pbx)}</p>
${error}
${optionList}
${attemptRows(doc)}
<table class="events"><thead><tr><th>time</th><th>event</th><th>leg</th><th>detail</th></tr></thead><tbody>
${events}
</tbody></table>
<p><small>request ${text(doc.request_id)} · server ${text(doc.server_id)}</small></p>
</main>
<script>${LIVE_UPDATE_SCRIPT}</script>
</body></html>`;
}
