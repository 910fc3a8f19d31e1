import { isTerminal, outcomeUnknown, type StatusDocument } from '../../shared/status/status-document.js';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function time(utc: string): string {
  return new Date(Number(utc) * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC');
}

/** A readable page of the same timeline for people who paste the status URL into a browser. */
export function renderStatusPage(doc: StatusDocument): string {
  const data = doc.request.request_data;
  const rows = doc.events
    .map((e) => `<tr><td>${escapeHtml(time(e['utc.time']))}</td><td>${escapeHtml(e.event)}</td><td>${e.leg === undefined ? '' : `leg ${e.leg}`}</td><td>${escapeHtml(e.cause ?? '')}</td></tr>`)
    .join('\n');
  const unknown = outcomeUnknown(doc);
  const note = unknown ? '<p>The PBX may have placed this call; its answer was lost, so nothing more will be known about it.</p>' : '';
  const error = doc.response?.error ? `<p class="error">${escapeHtml(doc.response.error.code)}: ${escapeHtml(doc.response.error.message)}</p>${note}` : '';
  // Refresh while the call is still moving; a finished call's page (or one nothing more will be learnt about) stays put.
  const refresh = isTerminal(doc.state) || unknown ? '' : '<meta http-equiv="refresh" content="2">';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${refresh}<title>Call ${escapeHtml(doc.request_id)}: ${escapeHtml(doc.state)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:48em}td,th{padding:.2em .8em;text-align:left}.state{font-size:1.6em}.error{color:#a00}</style></head>
<body><h1>Click-to-call</h1>
<p class="state">State: <strong>${escapeHtml(doc.state)}</strong></p>
<p>${escapeHtml(String(data.dial_first ?? ''))} → ${escapeHtml(String(data.dial_second ?? ''))} via ${escapeHtml(String(data.pbx ?? ''))}</p>
${error}
<table><thead><tr><th>time</th><th>event</th><th>leg</th><th>detail</th></tr></thead><tbody>
${rows}
</tbody></table>
<p><small>request ${escapeHtml(doc.request_id)} · server ${escapeHtml(doc.server_id)}</small></p>
</body></html>`;
}
