/**
 * URL rules for PBX connections, checked when settings are set so that a bad URL is refused with a
 * clear message instead of failing later, when Node's ERR_INVALID_URL would carry the whole URL
 * (credentials included) into a log line. Messages never repeat the URL.
 */

/** Why `text` is not a usable PBX URL, or undefined; `whereCredentialsGo` completes the user-info message. */
export function pbxUrlProblem(text: string, whereCredentialsGo: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must start with http:// or https://';
  if (url.username !== '' || url.password !== '' || /^[a-z]+:\/\/[^/?#]*@/i.test(text)) {
    return `must not contain user:password@ (it would be stored and shown with the URL); credentials go in ${whereCredentialsGo}`;
  }
  return undefined;
}

/** The URL with any user info replaced: a backstop for settings stored before user info was refused. */
export function withoutUserInfo(text: string): string {
  return text.replace(/^([a-z]+:\/\/)[^/?#]*@/i, '$1REDACTED@');
}
