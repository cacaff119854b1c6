import type { CaptureSummary } from '../api/types';
import { captureList, captureListEvidence } from '../test/fixtures';
import { formatMiB } from './evidence';
import { topResult } from './topResult';

/** The contract list's capture of pod, which the backend's route test serves as is. */
function listed(pod: string): CaptureSummary {
  const c = captureListEvidence().captures.find((x) => x.pod === pod);
  if (!c) {
    throw new Error(`contract/list-evidence.json has no capture of pod ${pod}`);
  }
  return c;
}

describe('topResult', () => {
  it.each<[string, string, string, string]>([
    ['a JVM memory capture: the top class with its bytes', 'es-0', 'HeapGrow$Block', '89.0 MiB'],
    ['a Go memory capture: the top in-use function with its bytes', 'cart-1', 'main.growHeap', '4.3 MiB'],
    ['a Go capture of focus all: the function with the most own CPU', 'cart-0', 'main.burnCPU', '20.0%'],
  ])('%s', (_name, pod, name, value) => {
    expect(topResult(listed(pod))).toEqual({ name, value, what: 'function' });
  });

  it('shows every heap answer of the contract in MiB, never as CPU', () => {
    const heap = captureListEvidence().captures.filter((c) => c.topFunction?.kind === 'heap');
    expect(heap.length).toBeGreaterThan(0);
    for (const c of heap) {
      const bytes = c.topFunction?.bytes;
      expect(bytes).toBeGreaterThan(0);
      expect(c.topFunction?.cpuPercent).toBeUndefined();
      expect(topResult(c)?.value).toBe(formatMiB(bytes ?? -1));
    }
  });

  it('uses only top function kinds the UI knows, each with its measure', () => {
    for (const c of [...captureList().captures, ...captureListEvidence().captures]) {
      const fn = c.topFunction;
      if (!fn) {
        continue;
      }
      expect(['cpu', 'heap']).toContain(fn.kind);
      expect(fn.kind === 'heap' ? fn.bytes : fn.cpuPercent).toBeDefined();
    }
  });

  it('names a heap answer of a capture with no CPU answer, whatever its focus', () => {
    const c = { ...listed('cart-1'), focus: 'all' as const };
    expect(topResult(c)).toEqual({ name: 'main.growHeap', value: '4.3 MiB', what: 'function' });
  });

  it('reads an answer from a backend before kinds by its measure', () => {
    const c = { ...listed('es-0'), focus: 'cpu' as const, topFunction: { name: 'HeapGrow$Block', bytes: 70254576 } };
    expect(topResult(c)?.value).toBe('67.0 MiB');
    const cpu = { ...listed('cart-0'), topFunction: { name: 'main.burnCPU', cpuPercent: 25.5 } };
    expect(topResult(cpu)?.value).toBe('25.5%');
  });

  it('keeps the top thread before a CPU function for focus all', () => {
    const c = {
      ...listed('cart-0'),
      topThread: { name: 'hot-spinner', nid: 7, cpuPercent: 99.5 },
    };
    expect(topResult(c)).toEqual({ name: 'hot-spinner', value: '99.5%', what: 'thread' });
  });
});
