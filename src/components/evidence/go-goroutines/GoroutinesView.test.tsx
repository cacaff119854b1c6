import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { goroutinesForbiddenPiece, goroutinesPiece } from '../../../test/fixtures/evidence';
import { formatCount } from '../../../utils/evidence';
import { EvidencePieceView } from '../EvidencePieceView';

describe('GoroutinesView', () => {
  it('reads the thousand parked goroutines as one line ×1000, first', () => {
    const piece = goroutinesPiece();
    render(<EvidencePieceView captureId={7} piece={piece} />);
    const groups = screen.getAllByTestId('goroutine-group');
    expect(groups).toHaveLength(piece.summary.groups?.length ?? -1);
    expect(groups[0]).toHaveTextContent(/^×1000\s*chan receive\s*main\.parkOnGate/);
    expect(screen.getByTestId('goroutine-total')).toHaveTextContent(`${formatCount(piece.summary.total)} goroutines`);
    expect(
      screen.getByText(new RegExp(`in ${piece.summary.groupCount} distinct stacks · 1,000 chan receive · `))
    ).toBeInTheDocument();
  });

  it('folds each stack until asked, then shows its frames with file:line', async () => {
    render(<EvidencePieceView captureId={7} piece={goroutinesPiece()} />);
    const first = screen.getAllByTestId('goroutine-group')[0];
    const stack = within(first).getByRole('list', { name: 'Stack of main.parkOnGate' });
    expect(stack).not.toBeVisible();
    await userEvent.click(within(first).getByText('main.parkOnGate', { selector: 'summary *' }));
    expect(stack).toBeVisible();
    expect(within(stack).getByText('runtime.chanrecv1')).toBeVisible();
    expect(within(stack).getByText('target/main.go:62')).toHaveAttribute(
      'title',
      expect.stringMatching(/pproftest\/target\/main\.go:62$/)
    );
  });

  it('counts the goroutines in groups it did not keep', () => {
    const piece = goroutinesPiece();
    piece.summary.groupCount = (piece.summary.groups?.length ?? 0) + 34;
    piece.summary.otherGoroutines = 123;
    render(<EvidencePieceView captureId={7} piece={piece} />);
    expect(screen.getByText(/and 123 more goroutines in 34 smaller groups/)).toBeInTheDocument();
  });

  it('shows a forbidden fetch as its reason and what to grant', () => {
    render(<EvidencePieceView captureId={7} piece={goroutinesForbiddenPiece()} />);
    const failure = screen.getByTestId('evidence-failure');
    expect(failure).toHaveTextContent('forbidden');
    expect(failure).toHaveAttribute('title', expect.stringContaining('grant get on pods/proxy'));
    expect(screen.queryAllByTestId('goroutine-group')).toHaveLength(0);
  });
});
