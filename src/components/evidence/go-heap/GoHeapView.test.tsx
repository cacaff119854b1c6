import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { goHeapPiece } from '../../../test/fixtures/evidence';
import { formatCount, formatMiB, formatSize } from '../../../utils/evidence';
import { EvidencePieceView } from '../EvidencePieceView';

describe('GoHeapView', () => {
  it('names the allocating function on top of the in-use and the allocated tables, in MiB', () => {
    const piece = goHeapPiece();
    const s = piece.summary;
    render(<EvidencePieceView captureId={7} piece={piece} />);
    for (const [name, top] of [
      ['In use, by function', s.topInUseBytes?.[0]],
      ['Allocated since start, by function', s.topAllocBytes?.[0]],
    ] as const) {
      const rows = within(screen.getByRole('list', { name })).getAllByTestId('heap-function');
      expect(rows[0]).toHaveTextContent('main.growHeap');
      expect(rows[0]).toHaveTextContent(formatMiB(top?.flat ?? -1));
    }
    expect(screen.getByText(`${formatMiB(s.inUseBytes)} in use`)).toBeInTheDocument();
    expect(
      screen.getByText(
        new RegExp(
          `${formatMiB(s.allocBytes).replace('.', '\\.')} allocated since start \\(${formatCount(s.allocObjects)} objects\\)`
        )
      )
    ).toBeInTheDocument();
  });

  it('offers the heap profile for go tool pprof', () => {
    const piece = goHeapPiece();
    render(<EvidencePieceView captureId={7} piece={piece} />);
    expect(
      screen.getByRole('link', { name: `Download heap.pb.gz (${formatSize(piece.rawBytes ?? 0)})` })
    ).toHaveAttribute('download', 'capture-7-app-heap.pb.gz');
  });
});
