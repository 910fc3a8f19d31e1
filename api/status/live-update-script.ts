/**
 * The status page's script, inlined and allowed by its hash (STATUS_PAGE_CSP). While the call is
 * not settled it long-polls the page's own URL with `wait` and the page's ETag, the same long-poll
 * API clients use: the server answers when the document changes (or 304 after `wait` seconds), and
 * the new `<main>` replaces the old one without a reload. The server rendered and escaped it;
 * DOMParser never runs scripts, and only `<main>` is taken over. Errors back off up to 30 s.
 */
export const LIVE_UPDATE_SCRIPT = `(function () {
  // Shorter than the default shutdown deadline (10 s), so an open page never holds a stopping instance past it.
  var WAIT_SECONDS = 8;
  var delay = 1000;
  function later() {
    delay = Math.min(delay * 2, 30000);
    setTimeout(poll, delay);
  }
  function poll() {
    var main = document.getElementById('status');
    if (!main || main.dataset.settled === 'true') return;
    var url = new URL(location.href);
    url.searchParams.set('wait', String(WAIT_SECONDS));
    var started = Date.now();
    fetch(url, { headers: { Accept: 'text/html', 'If-None-Match': main.dataset.etag }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (response) {
        // Unchanged for the whole wait: ask again (at most once a second, whatever sits in between).
        if (response.status === 304) return setTimeout(poll, Math.max(0, 1000 - (Date.now() - started)));
        // Expired, or never ours to read (a key in a header, which this page cannot send): stop.
        if (response.status === 404) return;
        if (response.status !== 200) return later();
        return response.text().then(function (html) {
          var next = new DOMParser().parseFromString(html, 'text/html');
          var fresh = next.getElementById('status');
          if (!fresh) return later();
          main.replaceWith(document.adoptNode(fresh));
          document.title = next.title;
          delay = 1000;
          poll();
        });
      })
      .catch(later);
  }
  poll();
})();`;
