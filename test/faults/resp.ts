/**
 * Just enough of the Redis protocol (RESP2, plus the RESP3 types) for the cutting proxy: where one
 * complete value ends in a byte stream, and the first arguments of a client command. Pure: no
 * sockets, so a value split across TCP chunks is simply "not complete yet" (-1).
 */

const CR = 13;

/** Offset just past the CRLF that ends the line starting at `start`, or -1 when it has not arrived. */
function lineEnd(buf: Buffer, start: number): number {
  const cr = buf.indexOf(CR, start);
  return cr < 0 || cr + 1 >= buf.length ? -1 : cr + 2;
}

function lineNumber(buf: Buffer, start: number, end: number): number {
  return Number(buf.toString('latin1', start + 1, end - 2));
}

/** Offset just past the one complete value starting at `start`, or -1 when the buffer ends first. */
export function endOfValue(buf: Buffer, start: number): number {
  if (start >= buf.length) return -1;
  const end = lineEnd(buf, start);
  if (end < 0) return -1;
  const type = String.fromCharCode(buf[start] as number);
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return end;
    case '$':
    case '!':
    case '=': {
      const length = lineNumber(buf, start, end);
      if (length < 0) return end;
      return end + length + 2 <= buf.length ? end + length + 2 : -1;
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      const count = lineNumber(buf, start, end) * (type === '%' ? 2 : 1);
      let at = end;
      for (let i = 0; i < count; i++) {
        at = endOfValue(buf, at);
        if (at < 0) return -1;
      }
      return at;
    }
    default:
      throw new Error(`not RESP: type byte ${JSON.stringify(type)} at offset ${start}`);
  }
}

/** The first `max` arguments of a command sent as an array of bulk strings (what ioredis sends). */
export function commandArgs(buf: Buffer, start: number, end: number, max = 4): string[] {
  const args: string[] = [];
  let at = lineEnd(buf, start);
  const count = String.fromCharCode(buf[start] as number) === '*' ? lineNumber(buf, start, at) : 0;
  for (let i = 0; i < count && args.length < max && at < end; i++) {
    const headerEnd = lineEnd(buf, at);
    const length = lineNumber(buf, at, headerEnd);
    args.push(buf.toString('utf8', headerEnd, headerEnd + Math.min(length, 200)));
    at = headerEnd + length + 2;
  }
  return args;
}
