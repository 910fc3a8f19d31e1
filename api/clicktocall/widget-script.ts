/**
 * The "call me" widget a page embeds with one tag (SPEC §10):
 *
 *   <script src="https://relay.example/v1/clicktocall/c2c_…/widget.js" data-label="Call me" async></script>
 *
 * Self-contained: no third-party code, no cookies, no globals but one closure. It renders a labelled
 * number field, a consent line and a button (after its own script tag, or into `data-target`), then
 * on submit fetches a short-lived token, asks `connect` and follows the status URL with long polls,
 * announcing each step in a polite live region for screen readers. Attributes: `data-target` (a CSS
 * selector), `data-label` (the button), `data-consent` (the consent line).
 */
export const WIDGET_SCRIPT = String.raw`(function () {
  'use strict';
  var script = document.currentScript;
  if (!script) return;
  var match = /^(.*)\/v1\/clicktocall\/([A-Za-z0-9_]+)\/widget\.js(?:\?.*)?$/.exec(script.src);
  if (!match) return;
  var base = match[1];
  var endpoint = match[2];
  var data = script.dataset;
  var uid = 'c2c-' + endpoint + '-' + Math.random().toString(36).slice(2, 8);

  var form = document.createElement('form');
  form.className = 'c2c-widget';
  form.setAttribute('aria-label', 'Request a call');
  form.noValidate = true;

  var label = document.createElement('label');
  label.htmlFor = uid + '-number';
  label.textContent = 'Your phone number';
  var input = document.createElement('input');
  input.id = uid + '-number';
  input.name = 'contact';
  input.type = 'tel';
  input.autocomplete = 'tel';
  input.required = true;
  input.maxLength = 40;
  input.setAttribute('inputmode', 'tel');
  input.setAttribute('aria-describedby', uid + '-consent');
  var consent = document.createElement('p');
  consent.id = uid + '-consent';
  consent.className = 'c2c-consent';
  consent.textContent = data.consent || 'By requesting a call you agree that we call this number once, now.';
  var button = document.createElement('button');
  button.type = 'submit';
  button.textContent = data.label || 'Call me';
  var status = document.createElement('p');
  status.className = 'c2c-status';
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');

  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(consent);
  form.appendChild(button);
  form.appendChild(status);
  var target = data.target ? document.querySelector(data.target) : null;
  if (target) target.appendChild(form);
  else script.parentNode.insertBefore(form, script.nextSibling);

  var WORDS = {
    queued: 'calling…', dispatching: 'calling…', accepted: 'ringing your phone…', first_answered: 'ringing…',
    connected: 'connected', completed: 'call ended', no_answer: 'no answer', busy: 'busy', failed: 'the call failed', expired: 'the call could not be placed'
  };
  var ENDED = { completed: 1, no_answer: 1, busy: 1, failed: 1, expired: 1 };

  function say(text) {
    status.textContent = text;
  }
  function finish() {
    button.disabled = false;
    input.disabled = false;
  }
  function json(response) {
    return response.json();
  }
  function follow(url, version) {
    var next = url + (url.indexOf('?') < 0 ? '?' : '&') + 'wait=25';
    fetch(next, { headers: version ? { 'If-None-Match': version } : {}, credentials: 'omit' })
      .then(function (response) {
        if (response.status === 304) return follow(url, version);
        return response.json().then(function (body) {
          var state = body && body.c2c_status && body.c2c_status.state;
          if (state) say(WORDS[state] || state);
          if (state && ENDED[state]) return finish();
          follow(url, response.headers.get('ETag'));
        });
      })
      .catch(function () {
        say('lost track of the call; it may still ring');
        finish();
      });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var contact = input.value.replace(/[\s().-]/g, '');
    if (!/^\+?[0-9]{3,20}$/.test(contact)) {
      say('Please enter a phone number (digits only).');
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    input.removeAttribute('aria-invalid');
    button.disabled = true;
    input.disabled = true;
    say('calling…');
    fetch(base + '/v1/clicktocall/' + endpoint + '/token', { credentials: 'omit' })
      .then(json)
      .then(function (body) {
        return fetch(base + '/v1/clicktocall/' + endpoint + '/connect', {
          method: 'POST',
          credentials: 'omit',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ contact: contact, token: body.token, page: String(location.href).slice(0, 255), wait: '0' })
        });
      })
      .then(json)
      .then(function (body) {
        var answer = body.response || {};
        if (answer.status !== 'success') {
          var error = answer.errors && answer.errors[0] && answer.errors[0].error;
          say(error ? error.message : 'the call could not be placed');
          return finish();
        }
        say(WORDS[answer.state] || 'calling…');
        follow(answer.status_url);
      })
      .catch(function () {
        say('the call could not be requested; please try again');
        finish();
      });
  });
})();
`;
