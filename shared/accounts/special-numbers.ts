/**
 * Numbers a PBX hands to the carrier as a service rather than a subscriber: the relay refuses them
 * on either leg unless the account's policy allows them explicitly. Short codes are matched whole
 * (a longer number that starts with 112 is someone's number), after the forms a PBX would strip.
 */

/**
 * Emergency numbers: the 3GPP TS 22.101 list every mobile phone treats as emergency (112, 911, 000,
 * 08, 110, 118, 119, 999), New Zealand's 111, and France's 15, 17 and 18. Operators in countries
 * with others add them as `deny` patterns (e.g. `^10[0-2]$` in Belgium, Greece, India, Israel).
 */
export const EMERGENCY_NUMBERS: readonly string[] = ['000', '08', '110', '111', '112', '118', '119', '911', '999', '15', '17', '18'];

/** NANP N11 service codes besides 911: community, city, directory (charged), carrier, relay and utility services. */
export const SERVICE_CODES: readonly string[] = ['211', '311', '411', '511', '611', '711', '811'];

const emergency = new Set(EMERGENCY_NUMBERS);
const MAX_SHORT_CODE_LENGTH = Math.max(...[...EMERGENCY_NUMBERS, ...SERVICE_CODES].map((code) => code.length));
const service = new Set(SERVICE_CODES);

/**
 * The short code a number could reach: as dialed, behind the connection's outside-line prefix, behind
 * a single `0` or `9` (the usual outside-line digits, so `9911` is refused even when no prefix is
 * configured), without a leading `+`, and without a trailing `#` (the "send" key of en-bloc dialing).
 */
function shortCodeCandidates(number: string, outsideLinePrefix: string): string[] {
  // Every candidate drops at most the prefix, one character and the `#`: a longer number is no short code (the common case, decided without building any).
  if (number.length > outsideLinePrefix.length + MAX_SHORT_CODE_LENGTH + 2) return [];
  const bare = number.replace(/#$/, '');
  const dialed = outsideLinePrefix !== '' && bare.startsWith(outsideLinePrefix) ? [bare, bare.slice(outsideLinePrefix.length)] : [bare];
  return dialed.flatMap((form) => [form, form.replace(/^\+/, ''), form.replace(/^[09]/, '')]);
}

export function isEmergencyNumber(number: string, outsideLinePrefix = ''): boolean {
  return shortCodeCandidates(number, outsideLinePrefix).some((candidate) => emergency.has(candidate));
}

export function isServiceCode(number: string, outsideLinePrefix = ''): boolean {
  return shortCodeCandidates(number, outsideLinePrefix).some((candidate) => service.has(candidate));
}

/**
 * A `*` or `#` anywhere makes a number a PBX or network feature code (`*72` call forwarding, `*8`
 * pickup, `#31#` caller-ID suppression, `**21*…#`): no subscriber number or extension contains one.
 */
export function isFeatureCode(number: string): boolean {
  return /[*#]/.test(number);
}
