/**
 * Client→server parsing exactly as Asterisk's get_input/do_message do it (asterisk-ami.md §2.2):
 * CRLF or bare LF, NUL ends a line, 1024-byte line cap, 128-line cap, names case-insensitive,
 * blanks after the colon skipped, the first duplicate wins (except `Variable`).
 */
import type { Header } from './wire.js';

export interface ClientMessage {
  headers: Header[];
  /** Set when Asterisk would refuse the message before looking at the action. */
  parseError?: string;
}

const MAX_LINE = 1024;
const MAX_LINES = 128;

export class ClientInputParser {
  private buffer = '';
  private headers: Header[] = [];
  private lines = 0;
  private error: string | undefined;
  private discarding = false;

  /** Bytes are handled as latin1 so that lengths are byte counts, as in Asterisk. */
  feed(chunk: Buffer): ClientMessage[] {
    this.buffer += chunk.toString('latin1');
    const out: ClientMessage[] = [];
    for (let nl = this.buffer.indexOf('\n'); nl !== -1; nl = this.buffer.indexOf('\n')) {
      const raw = this.buffer.slice(0, nl + 1);
      this.buffer = this.buffer.slice(nl + 1);
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      if (raw.length > MAX_LINE) {
        this.error ??= 'Failed to parse message: line too long';
        continue;
      }
      const message = this.line(raw.replace(/\r?\n$/, ''));
      if (message) out.push(message);
    }
    if (this.buffer.length >= MAX_LINE) {
      // The rest of this line can never fit: drop it up to its end, as Asterisk does.
      this.error ??= 'Failed to parse message: line too long';
      this.buffer = '';
      this.discarding = true;
    }
    return out;
  }

  private line(text: string): ClientMessage | undefined {
    const nul = text.indexOf('\0');
    const line = nul === -1 ? text : text.slice(0, nul);
    if (line === '') {
      const message: ClientMessage = { headers: this.headers, ...(this.error ? { parseError: this.error } : {}) };
      this.headers = [];
      this.lines = 0;
      this.error = undefined;
      return message;
    }
    this.lines += 1;
    if (this.lines > MAX_LINES) {
      this.error ??= 'Too many lines in message or allocation failure';
      return undefined;
    }
    const colon = line.indexOf(':');
    if (colon > 0) this.headers.push([line.slice(0, colon), line.slice(colon + 1).replace(/^[ \t]+/, '')]);
    return undefined;
  }
}

/** First value of a header (case-insensitive), like astman_get_header. */
export function get(headers: Header[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  return headers.find(([key]) => key.toLowerCase() === wanted)?.[1];
}

export function getAll(headers: Header[], name: string): string[] {
  const wanted = name.toLowerCase();
  return headers.filter(([key]) => key.toLowerCase() === wanted).map(([, value]) => value);
}

/** ast_true(). */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(yes|true|y|t|1|on)$/i.test(value.trim());
}
