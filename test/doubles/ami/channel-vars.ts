/**
 * Channel variables as Asterisk keeps them (main/pbx_variables.c, main/channel.c): each is stored
 * under the name it was set with, `_`/`__` inheritance prefix included, and read without it; a new
 * value replaces the old one. What a channel created by Dial inherits, and what the `;2` half of a
 * Local channel copies (main/core_unreal.c), follow from the stored names.
 */
import { parseVariableHeader } from './app-args.js';

/** The name the dialplan reads (`${NAME}`): the stored one without its inheritance prefix. */
export function bareName(name: string): string {
  return name.replace(/^__?/, '');
}

export class ChannelVars {
  /** Newest first, as Asterisk inserts them at the head of the channel's list. */
  private readonly stored: [name: string, value: string][] = [];

  /** pbx_builtin_setvar_helper: drops the variable of the same bare name, then adds this one. */
  set(name: string, value: string): void {
    const index = this.stored.findIndex(([stored]) => bareName(stored) === bareName(name));
    if (index !== -1) this.stored.splice(index, 1);
    this.stored.unshift([name, value]);
  }

  get(name: string): string | undefined {
    return this.stored.find(([stored]) => bareName(stored) === bareName(name))?.[1];
  }

  /** The variables under the names they were set with (`__C2C_ID`), oldest first. */
  entries(): [string, string][] {
    return [...this.stored].reverse();
  }

  /** What `${NAME}` gives for every variable the channel has. */
  view(): Record<string, string> {
    return Object.fromEntries(this.stored.map(([name, value]) => [bareName(name), value]));
  }

  /** ast_channel_inherit_variables, for a channel that Dial creates: `__X` stays `__X`, `_X` becomes `X`, the rest stays behind. */
  inherited(): ChannelVars {
    const child = new ChannelVars();
    for (const [name, value] of this.entries()) {
      if (name.startsWith('__')) child.set(name, value);
      else if (name.startsWith('_')) child.set(name.slice(1), value);
    }
    return child;
  }
}

/** What an Originate's `Variable:` headers do to the channel it creates. */
export interface OriginateVariables {
  vars: ChannelVars;
  /** `NAME(…)=value` pairs: dialplan-function writes (CALLERID(num), TIMEOUT(absolute)…), not variables. */
  functionWrites: [string, string][];
}

/**
 * astman_get_variables: every pair of every `Variable:` header, in a list built back to front;
 * ast_set_variables then sets them in list order, so of two pairs with the same name the one
 * written first in the action is set last and wins.
 */
export function originateVariables(headerValues: readonly string[]): OriginateVariables {
  const pairs = headerValues.flatMap((value) => parseVariableHeader(value));
  const vars = new ChannelVars();
  const functionWrites: [string, string][] = [];
  for (const [name, value] of [...pairs].reverse()) {
    if (name.endsWith(')')) functionWrites.unshift([name, value]);
    else vars.set(name, value);
  }
  return { vars, functionWrites };
}
