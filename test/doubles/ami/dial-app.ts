/**
 * The `Dial` application as an Originate `Application` runs it on leg 1 once it answers
 * (apps/app_dial.c): `Dial(Tech/data[&…],timeout,options)`. The double models every `&` target
 * (rung at once, the first to answer wins: ring-all.ts) and the options the relay can use, which
 * app_dial applies to each target alike: `f()` (caller ID sent to the callee), `A(called:calling)`
 * (announcement after the callee answers, before the bridge), `U(context^arg^…)` (a Gosub on
 * the answered callee, before the bridge), `b(context^exten^priority)` (a Gosub on each new callee
 * channel before it is dialed), and what the caller hears while the callee rings: `m(class)`
 * (music on hold) or `r(tone)` (an indications tone; bare `r` is ringing). Others are kept by
 * letter for tests to see.
 */
import { parseAppOptions, separateArgs } from './app-args.js';
import { parseCallerId } from './wire.js';

export interface DialTarget {
  tech: string;
  number: string;
  context: string;
}

export interface DialApp {
  /** The first target: the only one of a click-to-call, and where `b()` runs when it names no place. */
  target: DialTarget;
  /** Every target in Dial order: dial_exec_full splits the peers at `&`, strips blanks, skips empty ones. */
  targets: DialTarget[];
  /** Dial's answer timeout; undefined when none was given (Dial then rings as long as the callee does). */
  timeoutMs: number | undefined;
  options: Map<string, string>;
  /** `f(x)`: the callee's caller ID (its connected line crossed over); undefined without `f` or with an empty one. */
  forcedCallerId: { num: string; name: string } | undefined;
  announce: { called: string | undefined; calling: string | undefined };
  gosub: { context: string; args: string[] } | undefined;
  /**
   * `b()`: app_dial turns its `^` into `,` and runs `Gosub([[context,]exten,]priority[(args)])` on
   * the new channel; a missing context or exten stays undefined (Gosub would use the channel's own).
   */
  preDial: { context: string | undefined; exten: string | undefined; priority: string; args: string[] } | undefined;
  /** `m` (class, '' = the channel's own) wins over `r` (tone, '' = plain ringing), as in app_dial. */
  whileRinging: { music: string } | { tone: string } | undefined;
}

/** Dial declares four arguments: peers, timeout, options, URL. */
const DIAL_ARGS = 4;

export function parseDialApp(data: string): DialApp {
  const [peers = '', timeout = '', optionText = ''] = separateArgs(data, ',', DIAL_ARGS);
  const targets = peers.split('&').map(stripBlanks).filter((peer) => peer !== '').map(parseTarget);
  // The answer timeout may be `answer^progress`; a non-positive or unreadable one means none.
  const seconds = Number.parseFloat(timeout.split('^')[0] ?? '');
  const options = parseAppOptions(optionText);
  const forced = options.get('f');
  const announce = options.get('A');
  const [called, calling] = announce === undefined ? [] : splitOnce(announce, ':');
  const gosub = options.get('U');
  const [gosubContext = '', ...gosubArgs] = gosub === undefined ? [] : gosub.split('^');
  return {
    target: targets[0] ?? parseTarget(''),
    targets,
    timeoutMs: Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : undefined,
    options,
    forcedCallerId: forced ? parseCallerId(forced) : undefined,
    announce: { called: called || undefined, calling: calling || undefined },
    gosub: gosub === undefined ? undefined : { context: gosubContext, args: gosubArgs },
    preDial: parseGosubTarget(options.get('b')),
    whileRinging: options.has('m') ? { music: options.get('m') ?? '' } : options.has('r') ? { tone: options.get('r') ?? '' } : undefined,
  };
}

/** ast_strip: the blanks C's isspace() knows, at both ends (not JavaScript's wider trim()). */
function stripBlanks(text: string): string {
  return text.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
}

/** `Local/<number>@<context>[/options]`; a Local channel without `@` runs in `default`. */
function parseTarget(peer: string): DialTarget {
  const slash = peer.indexOf('/');
  const [number = '', context = 'default'] = peer.slice(slash + 1).split('/')[0]?.split('@') ?? [];
  return { tech: peer.slice(0, Math.max(slash, 0)), number, context };
}

function parseGosubTarget(arg: string | undefined): DialApp['preDial'] {
  if (arg === undefined) return undefined;
  const open = arg.indexOf('(');
  const location = open === -1 ? arg : arg.slice(0, open);
  const args = open === -1 ? [] : arg.slice(open + 1, arg.endsWith(')') ? -1 : undefined).split('^');
  const parts = location.split('^');
  const priority = parts.pop() ?? '';
  const exten = parts.pop();
  const context = parts.pop();
  return { context, exten, priority, args };
}

/** `strsep(&arg, ":")`: the part before the first `:`, and everything after it (if there was one). */
function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
