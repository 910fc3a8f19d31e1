/** The double's dialplan model: which extensions a context has (`Extension does not exist.`, DIALPLAN_EXISTS). */

/** Asterisk extension pattern → RegExp: `_` prefix, X Z N, `[…]` sets, `.` one-or-more, `!` zero-or-more. */
export function patternToRegExp(pattern: string): RegExp {
  if (!pattern.startsWith('_')) return new RegExp(`^${escape(pattern)}$`);
  let out = '';
  for (let i = 1; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    const upper = c.toUpperCase();
    if (upper === 'X') out += '[0-9]';
    else if (upper === 'Z') out += '[1-9]';
    else if (upper === 'N') out += '[2-9]';
    else if (c === '.') out += '.+';
    else if (c === '!') out += '.*';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end === -1) return /^$/;
      out += `[${pattern.slice(i + 1, end).replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else out += escape(c);
  }
  return new RegExp(`^${out}$`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class Dialplan {
  private readonly contexts = new Map<string, RegExp[]>();

  constructor(definition: Record<string, string[]>) {
    for (const [context, patterns] of Object.entries(definition)) {
      this.contexts.set(context, patterns.map(patternToRegExp));
    }
  }

  hasContext(context: string): boolean {
    return this.contexts.has(context);
  }

  exists(context: string, exten: string): boolean {
    return (this.contexts.get(context) ?? []).some((re) => re.test(exten));
  }
}
