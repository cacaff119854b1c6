import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { goHeapPiece } from '../../../test/fixtures/evidence';
import { EvidencePieceView } from '../EvidencePieceView';

describe('GoHeapView', () => {
  it('names the allocating function on top of the in-use and the allocated tables, in MiB', () => {
    render(<EvidencePieceView captureId={9} piece={goHeapPiece()} />);
    for (const name of ['In use, by function', 'Allocated since start, by function']) {
      const rows = within(screen.getByRole('list', { name })).getAllByTestId('heap-function');
      expect(rows[0]).toHaveTextContent('main.growHeap');
      // 30,153,039 and 30,158,096 bytes.
      expect(rows[0]).toHaveTextContent('28.8 MiB');
    }
    expect(screen.getByText('30.5 MiB in use')).toBeInTheDocument();
    expect(screen.getByText(/30\.6 MiB allocated since start \(3,034 objects\)/)).toBeInTheDocument();
  });

  it('offers the heap profile for go tool pprof', () => {
    render(<EvidencePieceView captureId={9} piece={goHeapPiece()} />);
    expect(screen.getByRole('link', { name: /Download heap\.pb\.gz \(5\.8 KiB\)/ })).toHaveAttribute(
      'download',
      'capture-9-agent-heap.pb.gz'
    );
  });
});
