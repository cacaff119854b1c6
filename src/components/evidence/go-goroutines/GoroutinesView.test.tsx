import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { goroutinesPiece } from '../../../test/fixtures/evidence';
import { EvidencePieceView } from '../EvidencePieceView';

describe('GoroutinesView', () => {
  it('reads the thousand parked goroutines as one line ×1000, first', () => {
    render(<EvidencePieceView captureId={9} piece={goroutinesPiece()} />);
    const groups = screen.getAllByTestId('goroutine-group');
    expect(groups).toHaveLength(6);
    expect(groups[0]).toHaveTextContent(/^×1000\s*chan receive\s*main\.parkOnGate/);
    expect(screen.getByTestId('goroutine-total')).toHaveTextContent('1,005 goroutines');
    expect(screen.getByText(/in 6 distinct stacks · 1,000 chan receive · 3 running/)).toBeInTheDocument();
  });

  it('folds each stack until asked, then shows its frames with file:line', async () => {
    render(<EvidencePieceView captureId={9} piece={goroutinesPiece()} />);
    const first = screen.getAllByTestId('goroutine-group')[0];
    const stack = within(first).getByRole('list', { name: 'Stack of main.parkOnGate' });
    expect(stack).not.toBeVisible();
    await userEvent.click(within(first).getByText('main.parkOnGate', { selector: 'summary *' }));
    expect(stack).toBeVisible();
    expect(within(stack).getByText('runtime.chanrecv1')).toBeVisible();
    expect(within(stack).getByText('target/main.go:62')).toHaveAttribute('title', '/src/pproftest/target/main.go:62');
  });

  it('counts the goroutines in groups it did not keep', () => {
    const piece = goroutinesPiece();
    piece.summary.groupCount = 40;
    piece.summary.otherGoroutines = 123;
    render(<EvidencePieceView captureId={9} piece={piece} />);
    expect(screen.getByText(/and 123 more goroutines in 34 smaller groups/)).toBeInTheDocument();
  });
});
