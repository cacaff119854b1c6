import type { CaptureSummary } from '../api/types';
import { formatMiB } from './evidence';
import { formatCpu } from './format';

/** What a capture's one-line result names: its top thread, function or class, with its weight. */
export interface TopResult {
  name: string;
  /** "99.5%" of one core, or "67.0 MiB" for memory. */
  value: string;
  what: 'thread' | 'function';
}

/**
 * The one thing a list says about a done capture: for a memory capture the top class (JVM)
 * or in-use function (Go); else the busiest JVM thread, or for a Go capture the function
 * with the most own CPU.
 */
export function topResult(c: CaptureSummary): TopResult | undefined {
  const fn = c.topFunction ?? undefined;
  const fnResult = fn && {
    name: fn.name,
    value: fn.bytes !== undefined ? formatMiB(fn.bytes) : fn.cpuPercent !== undefined ? formatCpu(fn.cpuPercent) : '',
    what: 'function' as const,
  };
  if (c.focus === 'memory' && fnResult) {
    return fnResult;
  }
  if (c.topThread) {
    return { name: c.topThread.name, value: formatCpu(c.topThread.cpuPercent), what: 'thread' };
  }
  return fnResult;
}
