import type { CaptureSummary, TopFunction } from '../api/types';
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
 * The one thing a list says about a done capture: for a memory capture (or one whose only
 * answer is its heap) the top class (JVM) or in-use function (Go) with its bytes; else the
 * busiest JVM thread, or for a Go capture the function with the most own CPU.
 */
export function topResult(c: CaptureSummary): TopResult | undefined {
  const fn = c.topFunction ?? undefined;
  const fnResult: TopResult | undefined = fn && { name: fn.name, value: functionValue(fn), what: 'function' };
  // The backend sends a heap answer for a memory capture, or for one without a CPU answer.
  if (fn && fnResult && (c.focus === 'memory' || isHeapAnswer(fn))) {
    return fnResult;
  }
  if (c.topThread) {
    return { name: c.topThread.name, value: formatCpu(c.topThread.cpuPercent), what: 'thread' };
  }
  return fnResult;
}

/** Whether the top function names what fills the heap rather than the most CPU. */
function isHeapAnswer(fn: TopFunction): boolean {
  return fn.kind === 'heap' || (fn.kind === undefined && fn.bytes !== undefined);
}

function functionValue(fn: TopFunction): string {
  if (isHeapAnswer(fn)) {
    return fn.bytes !== undefined ? formatMiB(fn.bytes) : '';
  }
  return fn.cpuPercent !== undefined ? formatCpu(fn.cpuPercent) : '';
}
