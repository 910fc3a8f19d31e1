/**
 * Asterisk's argument parsers, reproduced from their behaviour in main/app.c (asterisk-ami.md §9
 * item 14), so the double reads a `Variable:` header, Dial's data and Dial's options exactly as
 * the PBX would, quirks included.
 */

/**
 * `__ast_app_separate_args(buf, delim, remove_chars=1, array, arrayLen)`:
 * - `(`/`)` and `[`/`]` nest (a closing one below zero is ignored) and are kept; a delimiter
 *   splits only outside parentheses, brackets and quotes. Parentheses count inside quotes too.
 * - `"` toggles quoting and is removed; `\` is removed and the character after it is kept
 *   without being looked at (a trailing `\` makes Asterisk read past the string: the double stops).
 * - After `arrayLen - 1` arguments the rest of the text is the last one, untouched (quotes and
 *   backslashes stay); text ending right after a delimiter gives one more, empty, argument.
 */
export function separateArgs(buf: string, delim: string, arrayLen: number): string[] {
  const args: string[] = [];
  let paren = 0;
  let bracket = 0;
  let quoted = false;
  let i = 0;
  let endedOnDelimiter = false;
  while (i < buf.length && args.length < arrayLen - 1) {
    let arg = '';
    endedOnDelimiter = false;
    for (; i < buf.length; i++) {
      const c = buf[i] as string;
      if (c === '(') paren++;
      else if (c === ')') paren = Math.max(0, paren - 1);
      else if (c === '[') bracket++;
      else if (c === ']') bracket = Math.max(0, bracket - 1);
      else if (c === '"' && delim !== '"') {
        quoted = !quoted;
        continue;
      } else if (c === '\\') {
        i++;
        if (i < buf.length) arg += buf[i];
        continue;
      } else if (c === delim && paren === 0 && bracket === 0 && !quoted) {
        i++;
        endedOnDelimiter = true;
        break;
      }
      arg += c;
    }
    args.push(arg);
  }
  if (i < buf.length) args.push(buf.slice(i));
  else if (endedOnDelimiter) args.push('');
  return args;
}

/** manager.c declares 64 argument slots for the pairs of one `Variable:` header. */
const PAIRS_PER_HEADER = 64;

/**
 * manager.c `man_do_variable_value`: leading blanks (any byte below 33) skipped, the standard
 * argument split, then each argument cut at its first `=`; an argument without `=` or with an
 * empty name is dropped. A name ending in `)` is a dialplan-function write, not a variable.
 */
export function parseVariableHeader(value: string): [string, string][] {
  const skipped = value.replace(/^[\x00-\x20]+/, '');
  return separateArgs(skipped, ',', PAIRS_PER_HEADER).flatMap((arg): [string, string][] => {
    const eq = arg.indexOf('=');
    return eq <= 0 ? [] : [[arg.slice(0, eq), arg.slice(eq + 1)]];
  });
}

/**
 * main/app.c `parse_options`: one letter per option, optionally followed by `(argument)`. Inside
 * the argument parentheses nest; `\` outside quotes is removed and keeps the next character; `"`
 * is special only when it opens the argument. A missing `)` stops parsing (Asterisk warns).
 */
export function parseAppOptions(options: string): Map<string, string> {
  const parsed = new Map<string, string>();
  let i = 0;
  while (i < options.length) {
    const letter = options[i++] as string;
    if (options[i] !== '(') {
      parsed.set(letter, '');
      continue;
    }
    const quotes = options[i + 1] === '"';
    let depth = 1;
    let quoted = false;
    let arg = '';
    for (i++; i < options.length; i++) {
      const c = options[i] as string;
      if (c === '(' && !quoted) depth++;
      else if (c === ')' && !quoted) depth--;
      else if (c === '"' && quotes) {
        quoted = !quoted;
        continue;
      } else if (c === '\\' && (!quoted || options[i + 1] === '"')) {
        i++;
        if (i < options.length) arg += options[i];
        continue;
      } else if (c === '\\') {
        arg += c + (options[i + 1] ?? '');
        i++;
        continue;
      }
      if (depth === 0) break;
      arg += c;
    }
    if (depth !== 0) break;
    i++;
    parsed.set(letter, arg);
  }
  return parsed;
}
