/**
 * Server→client framing of the double: replies as the live Asterisk 22 transcripts lay them out
 * (asterisk-transcripts.md). Event layouts live in events.ts.
 */
export type Header = [string, string];

/** One message on the wire: CRLF after every line, an empty line at the end. */
export function formatMessage(headers: Header[]): string {
  return headers.map(([name, value]) => `${name}: ${value}\r\n`).join('') + '\r\n';
}

/** A reply: `Response` first, `ActionID` second when the action had one (§2.3). */
export function reply(response: string, actionId: string | undefined, rest: Header[]): Header[] {
  return [['Response', response], ...(actionId === undefined ? [] : [['ActionID', actionId] as Header]), ...rest];
}

export function errorReply(actionId: string | undefined, message: string): Header[] {
  return reply('Error', actionId, [['Message', message]]);
}

/** Asterisk's callerid parse, enough for `"Name" <num>`, `Name <num>`, `<num>` and `num`. */
export function parseCallerId(value: string | undefined): { num: string; name: string } {
  const unknown = '<unknown>';
  if (!value) return { num: unknown, name: unknown };
  const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(value);
  if (m) {
    const name = (m[1] ?? m[2] ?? '').trim();
    const num = (m[3] ?? '').replace(/[^0-9+*#]/g, '');
    return { num: num || unknown, name: name || unknown };
  }
  return /^[0-9+*#()\s-]+$/.test(value) ? { num: value.replace(/[^0-9+*#]/g, ''), name: unknown } : { num: unknown, name: value };
}
