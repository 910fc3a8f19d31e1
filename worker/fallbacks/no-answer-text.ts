/**
 * The words of the no-answer email and SMS, exactly as the DialogTech Click-to-FindMe reference shows
 * them. Pure: no I/O, and nothing of the caller's survives with a control character in it, so no
 * text built here can add a line to a message header.
 */
import type { NoAnswerReport } from '../../shared/findme/no-answer-report.js';

/** The label used when the request has no `page` (or nothing usable is left of it). */
export const DEFAULT_PAGE_LABEL = 'Click-to-FindMe';

const CONTROL = /[\x00-\x1f\x7f]+/g;
// A file extension: a dot, a letter and up to 7 more letters or digits at the end (`.html`, `.php`,
// `.aspx`); `Offer 2.0` keeps its number.
const EXTENSION = /\.[A-Za-z][A-Za-z0-9]{0,7}$/;

/** `5551112222` and `15551112222` → `(555) 111-2222`; any other number as given. */
export function formatPhone(number: string): string {
  const clean = number.replace(CONTROL, '');
  const nanp = /^1?([0-9]{3})([0-9]{3})([0-9]{4})$/.exec(clean);
  return nanp ? `(${nanp[1]}) ${nanp[2]}-${nanp[3]}` : clean;
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * What the subject calls the page the click came from, the reference's `LeadResponse.html` →
 * `LeadResponse`: the last non-empty path segment of `page` without its query, fragment or file
 * extension (`https://shop.example/offers/LeadResponse.html?src=ad` → `LeadResponse`). A URL with no
 * path gives its host name; free text without a slash is kept whole (`Spring sale` → `Spring sale`).
 * Control characters go, runs of white space become one space, and with nothing left (or no page)
 * it is `Click-to-FindMe`.
 */
export function pageLabel(page: string | undefined): string {
  const text = (page ?? '').replace(CONTROL, ' ').trim();
  let path = text.replace(/[?#].*$/, '');
  let host = '';
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/]*)(.*)$/i.exec(path);
  if (url) {
    host = (url[1] ?? '').replace(/^.*@/, '');
    path = url[2] ?? '';
  }
  const segment = path.split('/').filter((part) => part.trim() !== '').pop();
  const name = segment === undefined ? host : decoded(segment).replace(CONTROL, ' ').replace(EXTENSION, '');
  const label = name.replace(/\s+/g, ' ').trim();
  return label === '' ? DEFAULT_PAGE_LABEL : label;
}

/** `LeadResponse unsuccessful for (555) 111-2222`: the email's subject and the whole SMS. */
export function noAnswerSummary(report: Pick<NoAnswerReport, 'page' | 'phoneToCall'>): string {
  return `${pageLabel(report.page)} unsuccessful for ${formatPhone(report.phoneToCall)}`;
}

export interface NoAnswerEmailText {
  subject: string;
  text: string;
}

/** The email: the summary as subject, and one line per attempt (`(555) 868-8950 No Answer`). */
export function noAnswerEmailText(report: NoAnswerReport): NoAnswerEmailText {
  const phone = formatPhone(report.phoneToCall);
  const lines = report.attempts.map((attempt) => `${formatPhone(attempt.called_number)} ${attempt.call_result.replace(CONTROL, '')}`);
  return {
    subject: noAnswerSummary(report),
    text: [`Attempts to connect an agent to ${phone} were unsuccessful, with the following activity breakdown:`, '', ...lines, ''].join('\n'),
  };
}

/** The SMS: the reference's `Message:` line. */
export function noAnswerSmsText(report: NoAnswerReport): string {
  return noAnswerSummary(report);
}
