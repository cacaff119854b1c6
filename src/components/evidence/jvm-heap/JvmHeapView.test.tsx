import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { jvmHeapNmtOffPiece, jvmHeapPiece } from '../../../test/fixtures/evidence';
import { EvidencePieceView } from '../EvidencePieceView';

describe('JvmHeapView', () => {
  it('puts the class that fills the heap on top, with instances, bytes and share', () => {
    render(<EvidencePieceView captureId={4} piece={jvmHeapPiece()} />);
    const rows = within(screen.getByRole('list', { name: 'Class histogram' })).getAllByTestId('histogram-class');
    expect(rows).toHaveLength(10);
    expect(rows[0]).toHaveTextContent('HeapGrow$Block');
    expect(rows[0]).toHaveTextContent('487,879');
    expect(rows[0]).toHaveTextContent('67.0 MiB');
    // 70,254,576 of 73,380,008 bytes.
    expect(rows[0]).toHaveTextContent('95.7%');
    expect(rows[1]).toHaveTextContent('java.lang.Object[]');
    expect(rows[1]).toHaveTextContent('java.base@17.0.15');
    expect(screen.getByText(/live objects only \(after a full GC\)/)).toBeInTheDocument();
  });

  it('shows heap use against capacity, Metaspace and native memory when tracked', () => {
    render(<EvidencePieceView captureId={4} piece={jvmHeapPiece()} />);
    expect(screen.getByText(/Java heap \(G1\):/)).toHaveTextContent('74.4 MiB used of 96.0 MiB committed');
    expect(screen.getByRole('meter', { name: 'heap used' })).toHaveAttribute('aria-valuenow', '77');
    expect(screen.getByText(/Metaspace: 0\.34 MiB used, 0\.50 MiB committed/)).toBeInTheDocument();
    expect(screen.getByText(/Native memory \(NMT\): 158\.9 MiB committed/)).toBeInTheDocument();
    expect(screen.getByText(/Java Heap 96\.0 MiB · GC 39\.9 MiB/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Download heap-histogram\.txt/ })).toHaveAttribute(
      'download',
      'capture-4-app-heap-histogram.txt'
    );
  });

  it('says how to turn native memory tracking on when it is off, and reads an -all histogram', () => {
    render(<EvidencePieceView captureId={4} piece={jvmHeapNmtOffPiece()} />);
    expect(screen.getByText('not enabled (-XX:NativeMemoryTracking=summary)')).toHaveAttribute(
      'title',
      expect.stringContaining('start it with -XX:NativeMemoryTracking=summary')
    );
    expect(screen.getByText(/every object on the heap, reachable or not/)).toBeInTheDocument();
    expect(
      screen.getByText(/PSYoungGen 24\.1 MiB of 28\.0 MiB · ParOldGen 44\.8 MiB of 64\.0 MiB/)
    ).toBeInTheDocument();
    // NMT off is said once, in its place, not as a failure line too.
    expect(screen.queryByTestId('evidence-failure')).not.toBeInTheDocument();
  });

  it('keeps what was read when a part failed, and says why the part is missing', () => {
    const piece = jvmHeapPiece();
    delete piece.summary.histogram;
    piece.summary.failures = [
      { part: 'histogram', reason: 'heap-too-large', message: 'live heap 6 GiB is above the histogram bound of 4 GiB' },
    ];
    render(<EvidencePieceView captureId={4} piece={piece} />);
    expect(screen.queryByRole('list', { name: 'Class histogram' })).not.toBeInTheDocument();
    expect(screen.getByText(/Java heap \(G1\):/)).toBeInTheDocument();
    const failure = screen.getByTestId('evidence-failure');
    expect(failure).toHaveTextContent('histogram: heap-too-large');
    expect(failure).toHaveAttribute('title', expect.stringContaining('above the histogram bound of 4 GiB'));
  });
});
