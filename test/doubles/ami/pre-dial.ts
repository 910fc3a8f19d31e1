/**
 * Dial's pre-dial handler `b()` on leg 2 (apps/app_dial.c): a Gosub run on each new callee channel
 * after it is created and before it is dialed. Leg 2 is the Local channel `Local/<n>@<context>`,
 * so the handler runs on its `;1` half, which holds the variables it inherited from leg 1.
 *
 * The double knows what one context does, the README's SIP-header subroutine:
 *
 *   exten => s,1,Set(LOCAL(n)=1)
 *    same => n,While($[${n} <= ${C2C_HDR_COUNT}])
 *    same => n,Set(PJSIP_INHERITABLE_HEADER(add,${C2C_HDR_${n}_NAME})=${C2C_HDR_${n}_VALUE})
 *    same => n,Set(LOCAL(n)=$[${n} + 1])
 *    same => n,EndWhile()
 *    same => n,Return()
 *
 * Each Set is modelled as Asterisk runs it: the variables are substituted into the text once (a
 * value's own `${…}` is not evaluated again), Set splits name from value at the first `=`
 * (pbx_builtin_setvar), and the function's arguments are the text between its first `(` and last
 * `)`, split at commas (func_args, AST_STANDARD_APP_ARGS). PJSIP_INHERITABLE_HEADER (Asterisk
 * 20.19+, 22.9+, 23.3+) keeps the header in a channel datastore inherited by the Local channel's
 * other half and by every channel Dial then creates, and chan_pjsip puts it in the INVITE
 * (res_pjsip_header_funcs.c): the headers the party's INVITE carries. PJSIP_HEADER instead needs a
 * PJSIP channel ("This function requires a PJSIP channel."), which a Local channel is not: with
 * `sipHeaderFunction: 'PJSIP_HEADER'` the handler adds nothing.
 */
import type { DoubleCore } from './ami-session.js';
import { separateArgs } from './app-args.js';
import type { ChannelVars } from './channel-vars.js';
import type { DialApp } from './dial-app.js';

export interface PreDialRun {
  /** The channel the handler ran on (leg 2's `;1` half). */
  channel: string;
  context: string;
  exten: string;
  priority: string;
  /** False when Gosub found no such location (Asterisk logs it and Dial goes on). */
  ran: boolean;
}

export interface PreDialResult {
  run: PreDialRun;
  /** Headers the handler left for the INVITE, in order. */
  headers: [string, string][];
}

export function runPreDial(core: DoubleCore, dial: DialApp, channel: string, vars: ChannelVars): PreDialResult | undefined {
  const handler = dial.preDial;
  if (!handler) return undefined;
  // Without a context or exten Gosub stays where the new channel is: the dialed Local context and number.
  const context = handler.context ?? dial.target.context;
  const exten = handler.exten ?? dial.target.number;
  const ran = handler.priority === '1' && core.dialplan.exists(context, exten);
  const run = { channel, context, exten, priority: handler.priority, ran };
  if (!ran || context !== core.options.sipHeaderSubroutine || exten !== 's') return { run, headers: [] };
  return { run, headers: sipHeaderSubroutine(core.options.sipHeaderFunction ?? 'PJSIP_INHERITABLE_HEADER', vars) };
}

function sipHeaderSubroutine(fn: string, vars: ChannelVars): [string, string][] {
  const headers: [string, string][] = [];
  // `$[${n} <= ${C2C_HDR_COUNT}]`: an empty or non-numeric count is an expression error, read as false.
  const count = /^\s*\d+\s*$/.test(vars.get('C2C_HDR_COUNT') ?? '') ? Number(vars.get('C2C_HDR_COUNT')) : 0;
  for (let n = 1; n <= count; n++) {
    const text = `${fn}(add,${vars.get(`C2C_HDR_${n}_NAME`) ?? ''})=${vars.get(`C2C_HDR_${n}_VALUE`) ?? ''}`;
    const header = setFunction(text);
    if (header) headers.push(header);
  }
  return headers;
}

/** `Set(<text>)` where the text names a header function; returns the header it adds, if any. */
function setFunction(text: string): [string, string] | undefined {
  const eq = text.indexOf('=');
  const name = text.slice(0, eq);
  const value = text.slice(eq + 1);
  const open = name.indexOf('(');
  const close = name.lastIndexOf(')');
  if (open === -1 || close < open) return undefined;
  const fn = name.slice(0, open).toUpperCase();
  const [action = '', headerName = ''] = separateArgs(name.slice(open + 1, close), ',', 3);
  // Leg 2's handler runs on a Local channel: PJSIP_HEADER refuses it, only the inheritable kind works there.
  if (fn !== 'PJSIP_INHERITABLE_HEADER' || action.toLowerCase() !== 'add' || headerName === '') return undefined;
  return [headerName, value];
}
