/**
 * Makes an absolute URL into this Grafana relative (path, query and hash) when it points at the
 * same host, so links keep working behind proxies; other URLs are returned as they are.
 */
export function relativeIfSameHost(url: string, here: string = window.location.href): string {
  let target: URL;
  let current: URL;
  try {
    target = new URL(url, here);
    current = new URL(here);
  } catch {
    return url;
  }
  if (target.host !== current.host) {
    return url;
  }
  return `${target.pathname}${target.search}${target.hash}`;
}
