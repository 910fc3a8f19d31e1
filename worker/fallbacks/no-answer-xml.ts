/**
 * The XML document a FindMe's `no_answer_url` receives, exactly as the DialogTech reference shows it
 * (declaration, tab indentation, the reference's elements and nothing else), so that a listener
 * written for DialogTech reads it unchanged. Pure: no I/O, unit-tested.
 *
 * Nothing is added to the reference's elements: the request id travels in the `C2C-Request-Id` and
 * `C2C-Webhook-Id` headers, and each attempt's time is in the status document.
 */
import { create } from 'xmlbuilder2';

export interface NoAnswerXmlInput {
  phoneToCall: string;
  attempts: readonly { called_number: string; call_result: string }[];
}

/** Everything outside XML 1.0's `Char` production (§2.2): C0 controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * The text a receiver reads back: characters XML forbids are dropped (no escape can carry them), and
 * line ends are normalised as every XML parser reads them (§2.11).
 */
export function xmlSafeText(text: string): string {
  return text.replace(NOT_XML_CHAR, '').replace(/\r\n?/g, '\n');
}

/**
 * What the builder is given. xmlbuilder2 escapes `<` and `>`, but leaves an `&` that starts what
 * looks like a reference (`&amp;`, `&foo;`, `&#0;`) as it is, by design (its issues #105, #117): a
 * caller's `&#0;` would reach the receiver as a forbidden character, `&foo;` as an undefined entity.
 * Escaping every `&` first gives it only `&amp;`, which it keeps; the unit tests read every such
 * case back with a strict parser, so a change of the library's rule cannot pass unnoticed.
 */
function builderText(text: string): string {
  return xmlSafeText(text).replaceAll('&', '&amp;');
}

export function noAnswerXml(input: NoAnswerXmlInput): string {
  const response = create({ version: '1.0', encoding: 'UTF-8' }).ele('response');
  response.ele('phone_to_call').txt(builderText(input.phoneToCall));
  const attempts = response.ele('attempts');
  for (const attempt of input.attempts) {
    const element = attempts.ele('attempt');
    element.ele('called_number').txt(builderText(attempt.called_number));
    element.ele('call_result').txt(builderText(attempt.call_result));
  }
  // wellFormed: the builder refuses (throws) rather than emit anything XML forbids, should the rule above ever miss one.
  return response.end({ prettyPrint: true, indent: '\t', newline: '\n', wellFormed: true });
}
