import type { CaptureSummary } from '../api/types';

type ReasonSource = Pick<CaptureSummary, 'error' | 'nextAllowedAt' | 'namespace' | 'pod' | 'container'>;

interface ReasonOptions {
  /** Formats an epoch-ms time, e.g. as "10:43:26" in the dashboard's time zone. */
  time: (ms: number) => string;
  /** Drop "namespace/pod[/container]" from the text, for rows that show the pod already. */
  dropTarget?: boolean;
}

// An RFC 3339 time as the backend writes it into reasons ("2026-11-22T10:43:25Z").
const RFC3339 = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;
// The backend's own "next capture allowed after <time>" clause, which nextAllowedAt says exactly.
const NEXT_ALLOWED = /[;,]?\s*next capture (?:is )?allowed (?:after|at|from)\s+\S+?(?=[;,)]|\s|$)/gi;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A failed or skipped capture's reason, said once: the backend's "next capture allowed after
 * <RFC 3339>" clause is replaced by nextAllowedAt in the caller's format (they differ by rounding,
 * and showing both repeats one time twice), and other RFC 3339 times are formatted the same way.
 */
export function reasonText(capture: ReasonSource, { time, dropTarget = false }: ReasonOptions): string {
  let text = capture.error.trim();
  if (dropTarget && capture.pod) {
    const pod = `${capture.namespace}/${capture.pod}`;
    const targets = capture.container ? [`${pod}/${capture.container}`, pod] : [pod];
    for (const target of targets) {
      text = text.replace(new RegExp(`${escapeRegExp(target)}\\s+`, 'g'), '');
    }
  }
  if (capture.nextAllowedAt !== null) {
    text = text.replace(NEXT_ALLOWED, '').trim();
  }
  text = text.replace(RFC3339, (iso) => {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? iso : time(ms);
  });
  return text;
}

/** "next allowed 10:43:26" for a capture skipped by the cooldown, else "". */
export function nextAllowedText(capture: Pick<CaptureSummary, 'nextAllowedAt'>, time: (ms: number) => string): string {
  return capture.nextAllowedAt === null ? '' : `next allowed ${time(capture.nextAllowedAt)}`;
}
