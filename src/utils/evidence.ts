// Formatting and ordering shared by the evidence views (src/components/evidence).
import { dateTimeFormat } from '@grafana/data';
import type { EvidenceKind, EvidencePiece, Focus } from '../api/types';

const MIB = 1024 * 1024;

/** Bytes in MiB with a precision that keeps small sizes readable: "64.0 MiB", "0.12 MiB". */
export function formatMiB(bytes: number): string {
  const mib = bytes / MIB;
  if (mib > 0 && mib < 0.01) {
    return '<0.01 MiB';
  }
  if (mib !== 0 && Math.abs(mib) < 1) {
    return `${mib.toFixed(2)} MiB`;
  }
  return `${mib.toFixed(1)} MiB`;
}

/** A count with thousands separators, the same whatever the browser's locale: "1,000". */
export function formatCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A share of a whole (0..1) as a percentage: "93.4%". */
export function formatShare(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/**
 * The last two elements of a source path with the line: "target/main.go:42". Module paths
 * and GOROOT prefixes say nothing a reader needs on one line; the full path is the title.
 */
export function shortFile(file: string | undefined, line?: number): string {
  if (!file) {
    return '';
  }
  const parts = file.split('/').filter((p) => p !== '');
  const short = parts.slice(-2).join('/');
  return line ? `${short}:${line}` : short;
}

/** A Go duration in nanoseconds in milliseconds. */
export function nanosToMs(nanos: number): number {
  return nanos / 1e6;
}

/** An RFC 3339 time as epoch milliseconds; undefined when absent, zero or unreadable. */
export function rfc3339Ms(time: string | undefined): number | undefined {
  if (!time) {
    return undefined;
  }
  const ms = Date.parse(time);
  // Go's zero time (0001-01-01) means "not known".
  return Number.isNaN(ms) || ms <= 0 ? undefined : ms;
}

/** "10:21:50" in the user's time zone (or the given one). */
export function clockOf(ms: number, timeZone?: string): string {
  return dateTimeFormat(ms, { format: 'HH:mm:ss', timeZone });
}

/** A signed offset from a reference: "−40 s", "+6 s", "+2.5 min", "at the alert". */
export function offsetText(ms: number, fromMs: number): string {
  const d = ms - fromMs;
  if (Math.abs(d) < 500) {
    return '±0 s';
  }
  const sign = d < 0 ? '−' : '+';
  const a = Math.abs(d);
  if (a < 60_000) {
    return `${sign}${Math.round(a / 1000)} s`;
  }
  if (a < 3_600_000) {
    return `${sign}${+(a / 60_000).toFixed(1)} min`;
  }
  return `${sign}${+(a / 3_600_000).toFixed(1)} h`;
}

// Which kinds answer which focus first: the answer to what the alert asked is on top.
const KIND_ORDER: Record<Focus, EvidenceKind[]> = {
  cpu: ['go-cpu', 'go-goroutines', 'pod-story', 'jvm-heap', 'go-heap'],
  memory: ['jvm-heap', 'go-heap', 'pod-story', 'go-cpu', 'go-goroutines'],
  all: ['go-cpu', 'jvm-heap', 'go-heap', 'pod-story', 'go-goroutines'],
};

/**
 * The pieces in the order a reader needs them: the pieces that hold something before the ones
 * that failed outright, and within those by what the focus asked for (CPU: the Go CPU profile
 * first; memory: the heap first), kinds this version does not know last. Stable otherwise.
 */
export function orderPieces(pieces: EvidencePiece[], focus: Focus = 'cpu'): EvidencePiece[] {
  const order = KIND_ORDER[focus] ?? KIND_ORDER.cpu;
  const kindRank = (k: EvidenceKind) => {
    const i = order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  const empty = (p: EvidencePiece) => (p.failure !== null && (p.summary === null || p.summary === undefined) ? 1 : 0);
  return pieces
    .map((p, i) => ({ p, i }))
    .sort((a, b) => empty(a.p) - empty(b.p) || kindRank(a.p.kind) - kindRank(b.p.kind) || a.i - b.i)
    .map(({ p }) => p);
}

/** A size to one decimal in the largest binary unit under it: "12.1 KiB", "3.4 MiB", "512 B". */
export function formatSize(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (Math.abs(bytes) < 1024) {
    return `${bytes} B`;
  }
  let v = bytes;
  let unit = 'B';
  for (const u of units) {
    if (Math.abs(v) < 1024) {
      break;
    }
    v /= 1024;
    unit = u;
  }
  return `${v.toFixed(1)} ${unit}`;
}
