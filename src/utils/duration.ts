// Go's time.ParseDuration grammar: an optional sign, then one or more decimal numbers each
// with a unit (ns, us, µs, ms, s, m, h), e.g. "1h30m", "500ms", "1.5s"; "0" alone is allowed.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Parses a Go duration string into milliseconds, or returns undefined when it is not one. */
export function parseGoDuration(input: string): number | undefined {
  let s = input.trim();
  if (s === '') {
    return undefined;
  }
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    sign = s[0] === '-' ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') {
    return 0;
  }
  if (s === '') {
    return undefined;
  }
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== start) {
      return undefined;
    }
    total += parseFloat(m[1]) * UNIT_MS[m[2]];
  }
  return sign * total;
}

/** Formats milliseconds for people: "2.0 s", "10 min", "14 d". */
export function formatMs(ms: number): string {
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  if (ms < 60_000) {
    return `${(ms / 1000).toFixed(1)} s`;
  }
  if (ms < 3_600_000) {
    return `${+(ms / 60_000).toFixed(1)} min`;
  }
  if (ms < 86_400_000) {
    return `${+(ms / 3_600_000).toFixed(1)} h`;
  }
  return `${+(ms / 86_400_000).toFixed(1)} d`;
}
