import React from 'react';
import { screen, within } from '@testing-library/react';
import type { CaptureDetail, EvidencePiece, Focus } from '../api/types';
import { detailDone } from '../test/fixtures';
import {
  goCpuNoEndpointPiece,
  goCpuPiece,
  goHeapPiece,
  goroutinesPiece,
  jvmHeapPiece,
  podStoryPiece,
} from '../test/fixtures/evidence';
import { renderInRouter } from '../test/renderInRouter';
import { routes } from '../test/transport';
import CapturePage from './CapturePage';

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const DETAIL = (id: number) => `GET /api/plugins/seed-stackcapture-app/resources/captures/${id}`;

/** A done capture with this focus and evidence; without JVM processes unless withJvm. */
function capture(focus: Focus, evidence: EvidencePiece[], withJvm = false): CaptureDetail {
  const c = detailDone();
  return {
    ...c,
    container: 'agent',
    focus,
    workload: { kind: 'Deployment', name: 'metrics-agent' },
    processes: withJvm ? c.processes : [],
    evidence,
  };
}

function renderCapture(detail: CaptureDetail) {
  mockFetch.mockImplementation(routes({ [DETAIL(detail.id)]: () => detail }));
  return renderInRouter(<CapturePage />, `/captures/${detail.id}`, 'captures/:id');
}

/** The kinds of the evidence cards, in page order. */
async function cardKinds(): Promise<string[]> {
  const cards = await screen.findAllByTestId('evidence-piece');
  return cards.map((c) => c.getAttribute('data-kind') ?? '');
}

describe('CapturePage evidence', () => {
  it('puts the hottest Go functions first on a Go capture, the failed and story pieces after', async () => {
    renderCapture(capture('cpu', [podStoryPiece(), goCpuNoEndpointPiece(), goroutinesPiece(), goCpuPiece()]));
    expect(await cardKinds()).toEqual(['go-cpu', 'go-goroutines', 'pod-story', 'go-cpu']);
    const first = screen.getAllByTestId('evidence-piece')[0];
    expect(within(first).getAllByTestId('go-cpu-function')[0]).toHaveTextContent('main.burnCPU');
    // No JVM: no busiest threads, no thread stacks.
    expect(screen.queryByTestId('busiest-threads')).not.toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Thread stacks' })).not.toBeInTheDocument();
    expect(screen.getByText(/Deployment metrics-agent · focus cpu/)).toBeInTheDocument();
  });

  it('puts the heap first on a memory capture, then the pod story', async () => {
    renderCapture(capture('memory', [podStoryPiece(), goHeapPiece(), jvmHeapPiece()]));
    expect(await cardKinds()).toEqual(['jvm-heap', 'go-heap', 'pod-story']);
    expect(screen.getAllByTestId('histogram-class')[0]).toHaveTextContent('HeapGrow$Block');
    expect(screen.getByText(/focus memory/)).toBeInTheDocument();
  });

  it('shows the evidence after the busiest threads and before the thread stacks of a JVM capture', async () => {
    renderCapture(capture('all', [podStoryPiece(), jvmHeapPiece()], true));
    await screen.findAllByTestId('evidence-piece');
    const busiest = screen.getByTestId('busiest-threads');
    const evidence = screen.getByTestId('evidence-section');
    const stacks = screen.getByRole('region', { name: 'Thread stacks' });
    expect(busiest.compareDocumentPosition(evidence) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(evidence.compareDocumentPosition(stacks) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('puts the heap before the busiest threads of a memory capture of a JVM: it is what the alert asked', async () => {
    renderCapture(capture('memory', [podStoryPiece(), jvmHeapPiece()], true));
    await screen.findAllByTestId('evidence-piece');
    const heap = screen.getAllByTestId('histogram-class')[0];
    const busiest = screen.getByTestId('busiest-threads');
    const stacks = screen.getByRole('region', { name: 'Thread stacks' });
    expect(heap.compareDocumentPosition(busiest) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(busiest.compareDocumentPosition(stacks) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    // The pod story stays with the evidence, above the threads too.
    const story = screen.getAllByTestId('evidence-piece').find((c) => c.getAttribute('data-kind') === 'pod-story');
    expect(story && story.compareDocumentPosition(busiest) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('says every fact of the header on one line with all of it on hover, and keeps the buttons named', async () => {
    renderCapture(capture('cpu', [goCpuPiece()], true));
    const facts = await screen.findByTestId('capture-facts');
    expect(facts).toHaveTextContent(
      /^cluster default · namespace shop · node worker-1 · alert capture by .* · focus cpu$/
    );
    expect(facts).toHaveAttribute('title', facts.textContent);
    // Icons only on a narrow screen: their names stay for screen readers and on hover.
    expect(screen.getByRole('link', { name: 'Download raw dump' })).toHaveAttribute('title', 'Download raw dump');
    expect(screen.getByRole('button', { name: 'Copy link' })).toHaveAttribute('title', 'Copy link');
    // The evidence card's origin is one line too, all of it on hover.
    const piece = goCpuPiece();
    const origin = screen.getByTestId('evidence-origin');
    expect(origin.getAttribute('title')).toMatch(/ · took \d+\.\d s \(asked for \/debug\/pprof\/profile\?seconds=2\)$/);
    expect(origin.getAttribute('title')?.startsWith(piece.source)).toBe(true);
  });

  it('shows a capture from before kinds of evidence as it always was', async () => {
    renderCapture(detailDone());
    expect(await screen.findAllByTestId('thread-card')).toHaveLength(8);
    expect(screen.queryByTestId('evidence-section')).not.toBeInTheDocument();
    expect(screen.queryByText(/focus/)).not.toBeInTheDocument();
  });
});
