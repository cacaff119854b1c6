import React from 'react';
import { screen, within } from '@testing-library/react';
import type { CaptureSummary } from '../../api/types';
import { captureList, captureListEvidence } from '../../test/fixtures';
import { renderInRouter } from '../../test/renderInRouter';
import { PanelCapturesTable } from './PanelCapturesTable';

/** The list's done JVM capture, changed by over. */
function done(over: Partial<CaptureSummary>): CaptureSummary {
  const c = captureList().captures.find((x) => x.status === 'done' && x.topThread);
  if (!c) {
    throw new Error('the list fixture has no done capture with a top thread');
  }
  return { ...c, ...over };
}

/** What contract/list-evidence.json's capture of pod answers: its focus, kinds and heap answer. */
function memoryAnswer(pod: string): Partial<CaptureSummary> {
  const c = captureListEvidence().captures.find((x) => x.pod === pod);
  if (!c) {
    throw new Error(`contract/list-evidence.json has no capture of pod ${pod}`);
  }
  return { topThread: null, focus: c.focus, evidenceKinds: c.evidenceKinds, topFunction: c.topFunction };
}

function resultCell(c: CaptureSummary, width = 600): HTMLElement {
  renderInRouter(<PanelCapturesTable captures={[c]} width={width} timeZone="utc" />);
  const row = screen.getByTestId('capture-row');
  const cells = within(row).getAllByRole('cell');
  // Time, pod, node, result, status; narrow: time, result, status.
  return cells[cells.length - 2];
}

describe('the panel result column', () => {
  it.each<[string, Partial<CaptureSummary>, string, string]>([
    ['a JVM capture: the top thread', {}, 'top-thread', 'hot-spinner 99.5%'],
    [
      'a Go capture: the function with the most own CPU',
      {
        topThread: null,
        focus: 'cpu',
        evidenceKinds: ['go-cpu', 'go-goroutines', 'pod-story'],
        topFunction: { name: 'main.burnCPU', cpuPercent: 25.5 },
      },
      'top-function',
      'main.burnCPU 25.5%',
    ],
    [
      'a memory capture: the top class, even with a JVM thread',
      {
        focus: 'memory',
        evidenceKinds: ['jvm-heap', 'pod-story'],
        topFunction: { name: 'HeapGrow$Block', bytes: 70254576 },
      },
      'top-function',
      'HeapGrow$Block 67.0 MiB',
    ],
    [
      'a memory capture as the list serves it: the top class with its bytes',
      memoryAnswer('es-0'),
      'top-function',
      'HeapGrow$Block 89.0 MiB',
    ],
    [
      'a Go memory capture as the list serves it: the top in-use function',
      memoryAnswer('cart-1'),
      'top-function',
      'main.growHeap 4.3 MiB',
    ],
    [
      'a JVM capture of focus all: still the thread',
      { focus: 'all', topFunction: { name: 'main.burnCPU', cpuPercent: 3 } },
      'top-thread',
      'hot-spinner 99.5%',
    ],
  ])('%s', (_name, over, testId, text) => {
    const cell = resultCell(done(over));
    expect(within(cell).getByTestId(testId)).toHaveTextContent(text);
    expect(cell).toHaveAttribute('title', text);
  });

  it('keeps one line in a narrow panel', () => {
    const cell = resultCell(done({ topThread: null, topFunction: { name: 'main.burnCPU', cpuPercent: 25.5 } }), 300);
    expect(within(cell).getByTestId('top-function')).toHaveTextContent('main.burnCPU');
  });
});
