/**
 * Pure AMI framing: encodes actions from typed header lists and splits the server's byte stream
 * into messages. No sockets, timers or logging (asterisk-ami.md §2).
 */
import { StringDecoder } from 'node:string_decoder';

export type AmiHeader = readonly [name: string, value: string];

/** One AMI message in wire order; repeated keys are kept (ChanVariable, Output, Variable…). */
export interface AmiMessage {
  headers: AmiHeader[];
}

/** Asterisk reads at most 1024 bytes per line, terminator included (manager.c get_input). */
export const MAX_LINE_BYTES = 1024;
/** AST_MAX_MANHEADERS: more lines and Asterisk refuses the whole message. */
export const MAX_HEADERS = 128;
export const BANNER_PREFIX = 'Asterisk Call Manager/';

/** A header that must not be written because it could change the meaning of the message. */
export class AmiEncodeError extends Error {
  constructor(
    message: string,
    readonly headerName: string,
  ) {
    super(message);
    this.name = 'AmiEncodeError';
  }
}

/** The server sent something that is not AMI (bad banner, endless line). */
export class AmiProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmiProtocolError';
  }
}

const HEADER_NAME = /^[A-Za-z][A-Za-z0-9_()-]{0,63}$/;
// AMI has no escaping: any C0 control (CR and LF above all) or DEL would split or truncate the line.
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * Encodes one action. Every header is checked before anything is built, so a rejected value can
 * never leave a partial message behind (asterisk-ami.md §5.1: reject, don't strip).
 */
export function encodeAction(headers: readonly AmiHeader[]): string {
  if (headers.length === 0) throw new AmiEncodeError('an action needs at least one header', '');
  if (headers.length > MAX_HEADERS) throw new AmiEncodeError(`more than ${MAX_HEADERS} headers`, '');
  const first = headers[0];
  if (first === undefined || first[0].toLowerCase() !== 'action' || first[1] === '') {
    throw new AmiEncodeError('the first header must be a non-empty Action', first?.[0] ?? '');
  }
  for (const [name, value] of headers) {
    if (!HEADER_NAME.test(name)) throw new AmiEncodeError(`invalid header name`, name);
    if (CONTROL.test(value)) throw new AmiEncodeError(`control character in the value of ${name}`, name);
    const lineBytes = Buffer.byteLength(`${name}: ${value}\r\n`, 'utf8');
    if (lineBytes > MAX_LINE_BYTES) throw new AmiEncodeError(`the ${name} line exceeds ${MAX_LINE_BYTES} bytes`, name);
  }
  return headers.map(([name, value]) => `${name}: ${value}\r\n`).join('') + '\r\n';
}

/** First value of a header, names compared case-insensitively. */
export function headerValue(message: AmiMessage, name: string): string | undefined {
  for (const [key, value] of message.headers) if (sameName(key, name)) return value;
  return undefined;
}

/**
 * Header names compared case-insensitively, lowering case only for names of the same length: the
 * worker looks up several headers of every event, and lowering each name of each event for each
 * lookup was a tenth of its AMI work with the garbage it left.
 */
function sameName(key: string, name: string): boolean {
  return key === name || (key.length === name.length && key.toLowerCase() === name.toLowerCase());
}

/** A plain object view of headers; a repeated key becomes an array of its values in order. */
export function headersToObject(headers: readonly AmiHeader[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of headers) {
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[name] = [existing, value];
  }
  return out;
}

export interface AmiStreamParserOptions {
  /** Expect the one-line `Asterisk Call Manager/x` banner before the first message. */
  banner?: boolean;
  /**
   * Upper bound on one message still being received (its lines so far plus an unterminated line),
   * so a hostile peer cannot grow the buffer forever with one endless line or message.
   */
  maxBufferedBytes?: number;
  /**
   * Upper bound on the headers of one message. The longest messages the relay meets (a
   * PJSIPShowEndpoint `EndpointDetail`) have about 200; a peer sending more is not a PBX to trust.
   */
  maxHeaders?: number;
}

/** Default `maxHeaders`: room for any real Asterisk message, nowhere near unbounded. */
export const MAX_SERVER_HEADERS = 512;

/**
 * Incremental server→client parser: feed it chunks as they arrive, get complete messages back.
 * Lines end strictly with CRLF (a bare LF may sit inside a value: the `Message: …\n\r\n` quirk),
 * an empty line ends a message, empty messages are ignored, values split at the first colon.
 */
export class AmiStreamParser {
  private readonly decoder = new StringDecoder('utf8');
  private readonly maxBuffered: number;
  private readonly maxHeaders: number;
  private buffer = '';
  private current: AmiHeader[] = [];
  /** Characters in `current`, counted against `maxBuffered` with the unterminated rest. */
  private currentSize = 0;
  private awaitingBanner: boolean;
  private bannerLine: string | undefined;

  constructor(options: AmiStreamParserOptions = {}) {
    this.awaitingBanner = options.banner ?? false;
    this.maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
    this.maxHeaders = options.maxHeaders ?? MAX_SERVER_HEADERS;
  }

  /** The banner line without its CRLF, once received. */
  get banner(): string | undefined {
    return this.bannerLine;
  }

  feed(chunk: Buffer | string): AmiMessage[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const messages: AmiMessage[] = [];
    let start = 0;
    for (let end = this.buffer.indexOf('\r\n'); end !== -1; end = this.buffer.indexOf('\r\n', start)) {
      const line = this.buffer.slice(start, end);
      start = end + 2;
      if (this.awaitingBanner) {
        this.awaitingBanner = false;
        if (!line.startsWith(BANNER_PREFIX)) throw new AmiProtocolError('not an Asterisk Call Manager banner');
        this.bannerLine = line;
        continue;
      }
      if (line === '') {
        if (this.current.length > 0) messages.push({ headers: this.current });
        this.current = [];
        this.currentSize = 0;
        continue;
      }
      const colon = line.indexOf(':');
      // Un-keyed lines only exist in pre-14 `Response: Follows` output, which the relay never asks for.
      if (colon <= 0) continue;
      // Refuse rather than grow: the caller closes the connection on a protocol error.
      if (this.current.length >= this.maxHeaders) throw new AmiProtocolError(`more than ${this.maxHeaders} headers in one message`);
      this.currentSize += line.length;
      if (this.currentSize > this.maxBuffered) throw new AmiProtocolError('message too long');
      this.current.push([line.slice(0, colon), valueAfter(line, colon)]);
    }
    this.buffer = this.buffer.slice(start);
    if (this.currentSize + this.buffer.length > this.maxBuffered) throw new AmiProtocolError('line too long');
    return messages;
  }
}

/** A header line's value: after the colon, without the blanks that lead it or line feeds that end it. */
function valueAfter(line: string, colon: number): string {
  let from = colon + 1;
  while (from < line.length && (line.charCodeAt(from) === 32 || line.charCodeAt(from) === 9)) from++;
  let to = line.length;
  while (to > from && line.charCodeAt(to - 1) === 10) to--;
  return line.slice(from, to);
}
