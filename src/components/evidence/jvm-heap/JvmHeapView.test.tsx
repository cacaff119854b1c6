import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { jvmHeapNoJvmPiece, jvmHeapPiece, jvmHeapTooLargePiece } from '../../../test/fixtures/evidence';
import { formatCount, formatMiB, formatShare } from '../../../utils/evidence';
import { EvidencePieceView } from '../EvidencePieceView';
import { HISTOGRAM_ROWS } from './ClassHistogramTable';

describe('JvmHeapView', () => {
  it('puts the class that fills the heap on top, with instances, bytes and share', async () => {
    const piece = jvmHeapPiece();
    const h = piece.summary.histogram;
    const top = h?.top?.[0];
    render(<EvidencePieceView captureId={7} piece={piece} />);
    const list = screen.getByRole('list', { name: 'Class histogram' });
    const rows = within(list).getAllByTestId('histogram-class');
    expect(rows).toHaveLength(Math.min(HISTOGRAM_ROWS, h?.top?.length ?? 0));
    expect(rows[0]).toHaveTextContent('HeapGrow$Block');
    expect(rows[0]).toHaveTextContent(formatCount(top?.instances ?? -1));
    expect(rows[0]).toHaveTextContent(formatMiB(top?.bytes ?? -1));
    expect(rows[0]).toHaveTextContent(formatShare((top?.bytes ?? 0) / (h?.total.bytes ?? 1)));
    expect(rows[1]).toHaveTextContent('java.lang.Object[]');
    expect(rows[1]).toHaveTextContent('java.base@17.0.15');
    expect(screen.getByText(/every object on the heap, reachable or not \(no GC forced\)/)).toBeInTheDocument();
    if ((h?.top?.length ?? 0) > HISTOGRAM_ROWS) {
      await userEvent.click(screen.getByRole('button', { name: `Show all ${h?.top?.length} classes kept` }));
      expect(within(list).getAllByTestId('histogram-class')).toHaveLength(h?.top?.length ?? -1);
    }
  });

  it('shows heap use against capacity, Metaspace and native memory when tracked', () => {
    const piece = jvmHeapPiece();
    const { heap, metaspace, nativeMemory } = piece.summary;
    render(<EvidencePieceView captureId={7} piece={piece} />);
    expect(screen.getByText(/Java heap \(G1\):/)).toHaveTextContent(
      `${formatMiB(heap?.usedBytes ?? -1)} used of ${formatMiB(heap?.committedBytes ?? -1)} committed`
    );
    expect(screen.getByRole('meter', { name: 'heap used' })).toHaveAttribute(
      'aria-valuenow',
      String(Math.round(((heap?.usedBytes ?? 0) / (heap?.committedBytes ?? 1)) * 1000) / 10)
    );
    expect(screen.getByText(/^Metaspace:/)).toHaveTextContent(`${formatMiB(metaspace?.usedBytes ?? -1)} used`);
    expect(screen.getByText(/Native memory \(NMT\):/)).toHaveTextContent(
      `${formatMiB(nativeMemory?.committedBytes ?? -1)} committed`
    );
    expect(screen.getByText(/^Java Heap [\d.]+ MiB · /)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Download heap-histogram\.txt/ })).toHaveAttribute(
      'download',
      'capture-7-elasticsearch-heap-histogram.txt'
    );
  });

  it('says how to turn native memory tracking on when it is off, and what a full-GC histogram counts', () => {
    const piece = jvmHeapPiece();
    delete piece.summary.nativeMemory;
    piece.summary.histogramMode = 'full';
    if (piece.summary.histogram) {
      piece.summary.histogram.all = false;
    }
    piece.summary.failures = [
      {
        part: 'native-memory',
        reason: 'nmt-off',
        message: 'the JVM runs without native memory tracking; start it with -XX:NativeMemoryTracking=summary',
      },
    ];
    render(<EvidencePieceView captureId={7} piece={piece} />);
    expect(screen.getByText('not enabled (-XX:NativeMemoryTracking=summary)')).toHaveAttribute(
      'title',
      expect.stringContaining('without native memory tracking')
    );
    expect(screen.getByText(/live objects only \(after a full GC\)/)).toBeInTheDocument();
    // NMT off is said once, in its place, not as a failure line too.
    expect(screen.queryByTestId('evidence-failure')).not.toBeInTheDocument();
  });

  it('keeps the heap summary when the histogram was skipped, and says why', () => {
    render(<EvidencePieceView captureId={7} piece={jvmHeapTooLargePiece()} />);
    expect(screen.queryByRole('list', { name: 'Class histogram' })).not.toBeInTheDocument();
    expect(screen.getByText(/Java heap \(G1\):/)).toBeInTheDocument();
    const failure = screen.getByTestId('evidence-failure');
    expect(failure).toHaveTextContent('histogram: heap-too-large');
    expect(failure).toHaveAttribute('title', expect.stringContaining('above the histogram bound'));
  });

  it('says a container without a JVM has no JVM heap', () => {
    render(<EvidencePieceView captureId={7} piece={jvmHeapNoJvmPiece()} />);
    expect(screen.getByTestId('evidence-failure')).toHaveTextContent(/no-jvm\s*no JVM runs in container "exporter"/);
  });
});
