#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = `c2c-admin — the admin API from the command line

Environment: C2C_ADMIN_URL (default http://localhost:8080), ADMIN_TOKEN (required)

  c2c-admin accounts create <name>
  c2c-admin accounts get <account_id>
  c2c-admin keys create <account_id> [--label <label>]
  c2c-admin keys list <account_id>
  c2c-admin keys revoke <account_id> <key_id>
  c2c-admin pbx set <account_id> <asterisk|switchvox|other> (--json '<settings>' | --file <settings.json>)
  c2c-admin pbx test <account_id> <asterisk|switchvox|other>
  c2c-admin policy set <account_id> (--json '<policy>' | --file <policy.json>)
  c2c-admin clicktocall create <account_id> (--json '<endpoint>' | --file <endpoint.json>)
  c2c-admin clicktocall list <account_id>
  c2c-admin clicktocall get|delete <account_id> <c2c_id>
  c2c-admin clicktocall replace|patch <account_id> <c2c_id> (--json '<endpoint>' | --file <endpoint.json>)
  c2c-admin clicktocall history <account_id> <c2c_id> [--limit <n>] [--format csv|ndjson]
  c2c-admin agent-queue put <account_id> <queue_id> (--json '<queue>' | --file <queue.json>)
  c2c-admin agent-queue get|delete <account_id> <queue_id>
  c2c-admin agent-queue list <account_id>
  c2c-admin findme put <account_id> <findme_id> (--json '<list>' | --file <list.json>)
  c2c-admin findme get|delete <account_id> <findme_id>
  c2c-admin findme list <account_id>
  c2c-admin sms-gateway set <account_id> (--json '<gateway>' | --file <gateway.json>)
  c2c-admin sms-gateway get|delete <account_id>
  c2c-admin requests <account_id> [--limit <n>] [--before <unix_ms>] [--ref <ref>] [--state <state>]
                     [--since <unix_s|iso>] [--until <unix_s|iso>] [--format csv|ndjson]
  c2c-admin webhooks set <account_id> (--json '[{"url":…,"events":["state_changed"]}]' | --file <list.json>)
  c2c-admin webhooks get <account_id>
  c2c-admin webhooks hosts <account_id> (--json '{"hosts":["crm.example.com"]}' | --file <hosts.json>)
  c2c-admin webhooks deliveries <account_id> [--limit <n>]
  c2c-admin webhooks resend <account_id> <delivery_id>

Prints the API's JSON answer; exits 1 when the API answers an error. With --format, writes the whole
filtered history to stdout as it streams in, and its progress to stderr.`;

interface Call {
  method: string;
  path: string;
  body?: unknown;
  /** The answer is an export: copied to stdout as it arrives, not parsed. */
  stream?: boolean;
}

export interface CliOutput {
  out: (text: string) => void;
  /** Raw bytes of an export, and its progress line. */
  write?: (chunk: Uint8Array) => Promise<void>;
  progress?: (text: string) => void;
}

/** A history listing (an account's or a saved endpoint's) with its filters; an export streams. */
function historyCall(path: string, values: Partial<Record<'limit' | 'before' | 'ref' | 'state' | 'since' | 'until' | 'format', string>>): Call {
  const query = new URLSearchParams();
  for (const name of ['limit', 'before', 'ref', 'state', 'since', 'until', 'format'] as const) {
    const value = values[name];
    if (value !== undefined) query.set(name, value);
  }
  const qs = query.toString();
  return { method: 'GET', path: `${path}${qs ? `?${qs}` : ''}`, ...(values.format === undefined ? {} : { stream: true }) };
}

/** The account resources of SPEC §9: command group → URL segment under the account. */
const ACCOUNT_RESOURCES: Record<string, string> = { 'agent-queue': 'agent-queues', findme: 'findme' };

/** Pure: turns command-line words into one admin API call (throws with the usage on nonsense). */
export function toCall(argv: string[]): Call {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      label: { type: 'string' },
      json: { type: 'string' },
      file: { type: 'string' },
      limit: { type: 'string' },
      before: { type: 'string' },
      ref: { type: 'string' },
      state: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      format: { type: 'string' },
    },
  });
  const [group, action, a, b, c] = positionals;
  const enc = encodeURIComponent;
  const settings = () => {
    if (values.json !== undefined) return JSON.parse(values.json) as unknown;
    if (values.file !== undefined) return JSON.parse(readFileSync(values.file, 'utf8')) as unknown;
    throw new Error('give the settings with --json or --file');
  };
  const need = (...parts: (string | undefined)[]) => {
    if (parts.some((p) => p === undefined || p === '')) throw new Error(`missing argument\n\n${USAGE}`);
  };
  switch (`${group} ${action}`) {
    case 'accounts create':
      need(a);
      return { method: 'POST', path: '/admin/v1/accounts', body: { name: a } };
    case 'accounts get':
      need(a);
      return { method: 'GET', path: `/admin/v1/accounts/${enc(a as string)}` };
    case 'keys create':
      need(a);
      return { method: 'POST', path: `/admin/v1/accounts/${enc(a as string)}/keys`, body: values.label === undefined ? {} : { label: values.label } };
    case 'keys list':
      need(a);
      return { method: 'GET', path: `/admin/v1/accounts/${enc(a as string)}/keys` };
    case 'keys revoke':
      need(a, b);
      return { method: 'DELETE', path: `/admin/v1/accounts/${enc(a as string)}/keys/${enc(b as string)}` };
    case 'pbx set':
      need(a, b);
      return { method: 'PUT', path: `/admin/v1/accounts/${enc(a as string)}/pbx/${enc(b as string)}`, body: settings() };
    case 'pbx test':
      need(a, b);
      return { method: 'POST', path: `/admin/v1/accounts/${enc(a as string)}/pbx/${enc(b as string)}/test` };
    case 'clicktocall create':
      need(a);
      return { method: 'PUT', path: `/admin/v1/accounts/${enc(a as string)}/clicktocall`, body: { data: settings() } };
    case 'clicktocall list':
      need(a);
      return { method: 'GET', path: `/admin/v1/accounts/${enc(a as string)}/clicktocall` };
    case 'clicktocall get':
    case 'clicktocall delete':
      need(a, b);
      return { method: action === 'get' ? 'GET' : 'DELETE', path: `/admin/v1/accounts/${enc(a as string)}/clicktocall/${enc(b as string)}` };
    case 'clicktocall replace':
    case 'clicktocall patch':
      need(a, b);
      return { method: action === 'replace' ? 'POST' : 'PATCH', path: `/admin/v1/accounts/${enc(a as string)}/clicktocall/${enc(b as string)}`, body: { data: settings() } };
    case 'clicktocall history': {
      need(a, b);
      return historyCall(`/admin/v1/accounts/${enc(a as string)}/clicktocall/${enc(b as string)}/history`, values);
    }
    case 'agent-queue list':
    case 'findme list':
      need(a);
      return { method: 'GET', path: `/admin/v1/accounts/${enc(a as string)}/${ACCOUNT_RESOURCES[group as string]}` };
    case 'agent-queue get':
    case 'agent-queue delete':
    case 'findme get':
    case 'findme delete':
      need(a, b);
      return { method: action === 'get' ? 'GET' : 'DELETE', path: `/admin/v1/accounts/${enc(a as string)}/${ACCOUNT_RESOURCES[group as string]}/${enc(b as string)}` };
    case 'agent-queue put':
    case 'findme put':
      need(a, b);
      return { method: 'PUT', path: `/admin/v1/accounts/${enc(a as string)}/${ACCOUNT_RESOURCES[group as string]}/${enc(b as string)}`, body: settings() };
    case 'sms-gateway set':
      need(a);
      return { method: 'PUT', path: `/admin/v1/accounts/${enc(a as string)}/sms-gateway`, body: settings() };
    case 'sms-gateway get':
    case 'sms-gateway delete':
      need(a);
      return { method: action === 'get' ? 'GET' : 'DELETE', path: `/admin/v1/accounts/${enc(a as string)}/sms-gateway` };
    case 'policy set':
      need(a);
      return { method: 'PUT', path: `/admin/v1/accounts/${enc(a as string)}/policy`, body: settings() };
    case 'webhooks set':
      need(a);
      return { method: 'PUT', path: `/admin/v1/accounts/${enc(a as string)}/webhooks`, body: settings() };
    case 'webhooks get':
      need(a);
      return { method: 'GET', path: `/admin/v1/accounts/${enc(a as string)}/webhooks` };
    case 'webhooks hosts':
      need(a);
      return { method: 'PUT', path: `/admin/v1/accounts/${enc(a as string)}/webhooks/callback-hosts`, body: settings() };
    case 'webhooks deliveries':
      need(a);
      return { method: 'GET', path: `/admin/v1/accounts/${enc(a as string)}/webhooks/deliveries${values.limit === undefined ? '' : `?limit=${enc(values.limit)}`}` };
    case 'webhooks resend':
      need(a, b);
      return { method: 'POST', path: `/admin/v1/accounts/${enc(a as string)}/webhooks/deliveries/${enc(b as string)}/resend` };
    default:
      if (group === 'requests' && action !== undefined) {
        return historyCall(`/admin/v1/accounts/${enc(action)}/requests`, values);
      }
      void c;
      throw new Error(USAGE);
  }
}

export async function run(argv: string[], env: Record<string, string | undefined>, output: CliOutput | ((text: string) => void)): Promise<number> {
  const { out, write, progress } = typeof output === 'function' ? { out: output, write: undefined, progress: undefined } : output;
  let call: Call;
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
      out(USAGE);
      return argv.length === 0 ? 2 : 0;
    }
    call = toCall(argv);
  } catch (err) {
    out((err as Error).message);
    return 2;
  }
  const token = env.ADMIN_TOKEN;
  if (!token) {
    out('ADMIN_TOKEN is not set');
    return 2;
  }
  const base = (env.C2C_ADMIN_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
  try {
    const response = await fetch(`${base}${call.path}`, {
      method: call.method,
      headers: { authorization: `Bearer ${token}`, ...(call.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    });
    if (call.stream && response.ok && response.body && write) {
      await copyExport(response.body, write, progress ?? (() => {}));
      return 0;
    }
    const text = await response.text();
    out(text === '' ? JSON.stringify({ ok: response.ok, status: response.status }) : JSON.stringify(JSON.parse(text), null, 2));
    return response.ok ? 0 : 1;
  } catch (err) {
    out(`cannot reach the admin API at ${base}: ${(err as Error).message}`);
    return 1;
  }
}

/** Copies an export to `write`, counting its lines (rows) into a progress line every second and at the end. */
async function copyExport(body: ReadableStream<Uint8Array>, write: (chunk: Uint8Array) => Promise<void>, progress: (text: string) => void): Promise<void> {
  let lines = 0;
  let shown = 0;
  for await (const chunk of body) {
    for (const byte of chunk) if (byte === 10) lines += 1;
    await write(chunk);
    if (Date.now() - shown >= 1000) {
      shown = Date.now();
      progress(`exported ${lines} lines…`);
    }
  }
  progress(`exported ${lines} lines, done`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const write = (chunk: Uint8Array) => new Promise<void>((resolve, reject) => process.stdout.write(chunk, (err) => (err ? reject(err) : resolve())));
  void run(process.argv.slice(2), process.env, {
    out: (text) => process.stdout.write(`${text}\n`),
    write,
    progress: (text) => process.stderr.write(`${text}\n`),
  }).then((code) => process.exit(code));
}
