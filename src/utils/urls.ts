/**
 * Returns url when it is an absolute http(s) URL that a link may point to, else undefined.
 * Every link built from capture data (an alert's URLs come from whoever wrote the rule or the
 * webhook) goes through here: a `javascript:`, `data:` or `vbscript:` target would run in the
 * Grafana page of whoever clicks it. The URL is judged as the browser reads it (the WHATWG
 * parser strips leading whitespace and control characters, drops tabs and newlines, lowercases
 * the scheme), and refused outright when it holds whitespace or control characters at all.
 */
export function safeHref(url: string | undefined | null, here: string = window.location.href): string | undefined {
  if (typeof url !== 'string' || url === '' || /[\s\u0000-\u001f\u007f-\u009f\\]/.test(url)) {
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url, here);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return undefined;
  }
  // Only absolute URLs: a scheme-relative or relative one is not what Grafana sends.
  if (!/^https?:\/\//i.test(url)) {
    return undefined;
  }
  return url;
}

/**
 * Makes an absolute http(s) URL into this Grafana relative (path, query and hash) when it points
 * at the same host, so links keep working behind proxies; other http(s) URLs are returned as
 * they are. Anything else (another scheme, a malformed URL) yields undefined: render no link.
 */
export function relativeIfSameHost(
  url: string | undefined | null,
  here: string = window.location.href
): string | undefined {
  const safe = safeHref(url, here);
  if (safe === undefined) {
    return undefined;
  }
  const target = new URL(safe);
  const current = new URL(here);
  if (target.host !== current.host) {
    return safe;
  }
  return `${target.pathname}${target.search}${target.hash}`;
}
