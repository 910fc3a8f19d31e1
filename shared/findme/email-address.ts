/**
 * The one rule for email addresses the relay writes into a message's header (`no_answer_email`, the
 * policy's `email_from`, SMTP_FROM): a single bare address, `local@domain`, ASCII only. Nothing that
 * could start another header (CR, LF, any control character), another recipient (`,` `;`), a display
 * name or a comment (`"` `<` `>` `(` `)` spaces) can pass, so no value of a caller's can change who
 * gets a message or what its headers say.
 */

export const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;

// RFC 5322 dot-atom: atext runs separated by single dots (no quoted strings, no leading/trailing dot).
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// A top-level label starts with a letter: `a@1.2.3.4` is not a mail domain.
const TOP_LABEL = /^[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export interface EmailAddressRules {
  /** Accept a domain of one label (`relay@localhost`): for the operator's own sender, never for a caller's recipient. */
  singleLabelDomain?: boolean;
}

/**
 * Why `value` is not one plain email address, or undefined when it is. The message completes a
 * sentence that starts with the field's name (`no_answer_email must be …`).
 */
export function emailAddressProblem(value: unknown, rules: EmailAddressRules = {}): string | undefined {
  const shape = 'must be one plain email address such as name@example.com (no display name, spaces or list)';
  if (typeof value !== 'string' || value === '') return shape;
  if (value.length > MAX_EMAIL_LENGTH) return `must be at most ${MAX_EMAIL_LENGTH} characters`;
  if (/[\x00-\x1f\x7f]/.test(value)) return `${shape}: it contains a control character`;
  if (/[^\x20-\x7e]/.test(value)) return `${shape}: only ASCII characters (write an international domain in its xn-- form)`;
  if (/[,;]/.test(value)) return `${shape}: a list of addresses is not accepted`;
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (at <= 0 || local.length > MAX_LOCAL_LENGTH || !LOCAL_PART.test(local)) return shape;
  const labels = domain.split('.');
  const top = labels[labels.length - 1] ?? '';
  if (labels.length < 2 && !rules.singleLabelDomain) return `${shape}: the domain needs a dot`;
  if (!labels.every((label) => LABEL.test(label)) || !TOP_LABEL.test(top)) return `${shape}: the domain is not a host name`;
  return undefined;
}
