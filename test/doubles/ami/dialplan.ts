/** The double's dialplan model (`Extension does not exist.`) and Asterisk's `Variable` splitting. */

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

  exists(context: string, exten: string): boolean {
    return (this.contexts.get(context) ?? []).some((re) => re.test(exten));
  }
}

/**
 * Splits one `Variable:` header like AST_STANDARD_APP_ARGS: commas separate pairs except inside
 * quotes, parentheses or brackets; quotes are removed and a backslash escapes the next character.
 * At most 64 pairs; pairs without `=` are dropped (asterisk-ami.md §3.1).
 */
export function parseVariableHeader(value: string): [string, string][] {
  const args: string[] = [];
  let current = '';
  let paren = 0;
  let bracket = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    if (c === '\\' && i + 1 < value.length) {
      current += value[++i] ?? '';
      continue;
    }
    if (c === '"') {
      quoted = !quoted;
      continue;
    }
    if (!quoted) {
      if (c === '(') paren++;
      else if (c === ')' && paren > 0) paren--;
      else if (c === '[') bracket++;
      else if (c === ']' && bracket > 0) bracket--;
      else if (c === ',' && paren === 0 && bracket === 0) {
        args.push(current);
        current = '';
        continue;
      }
    }
    current += c;
  }
  args.push(current);
  return args
    .slice(0, 64)
    .filter((arg) => arg.includes('='))
    .map((arg) => [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]);
}
