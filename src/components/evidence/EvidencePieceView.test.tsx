import React from 'react';
import { render, screen } from '@testing-library/react';
import type { EvidencePiece } from '../../api/types';
import { goCpuNoEndpointPiece, goCpuPiece, goroutinesPiece } from '../../test/fixtures/evidence';
import { EvidencePieceView } from './EvidencePieceView';

describe('EvidencePieceView', () => {
  it('shows a failed piece: the reason, the message on one line with all of it on hover, no download', () => {
    render(<EvidencePieceView captureId={7} piece={goCpuNoEndpointPiece()} />);
    expect(screen.getByRole('region', { name: 'Go CPU profile' })).toBeInTheDocument();
    const failure = screen.getByTestId('evidence-failure');
    expect(failure).toHaveTextContent('no-endpoint');
    expect(failure).toHaveTextContent('declares a pprof endpoint');
    expect(failure).toHaveAttribute('title', expect.stringContaining('name the container\'s port "pprof"'));
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
  });

  it('shows a piece of a kind this version does not know as not viewable, with its failure and download', () => {
    const piece: EvidencePiece = {
      ...goCpuPiece(),
      kind: 'go-mutex',
      failure: { reason: 'truncated', message: 'the profile reached the 16777216 bytes cap' },
      truncated: true,
    };
    render(<EvidencePieceView captureId={7} piece={piece} />);
    expect(screen.getByText(/"go-mutex" is not viewable in this version/)).toBeInTheDocument();
    expect(screen.getByTestId('evidence-failure')).toHaveTextContent('the profile reached the 16 MiB cap');
    expect(screen.getByText('truncated', { selector: 'div' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Download raw/ })).toHaveAttribute(
      'href',
      `/api/plugins/seed-stackcapture-app/resources/${piece.rawUrl}`
    );
  });

  it('says so when a summary is not of its kind’s shape, rather than failing the page', () => {
    const piece: EvidencePiece = { ...goroutinesPiece(), summary: { total: 'many' } };
    render(<EvidencePieceView captureId={7} piece={piece} />);
    expect(screen.getByText(/not of a shape this version reads/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Download goroutines\.pb\.gz/ })).toBeInTheDocument();
  });

  it('shows what arrived of a truncated piece with its failure as a warning', () => {
    const piece = goCpuPiece();
    piece.truncated = true;
    piece.failure = { reason: 'truncated', message: 'the profile was cut at 16777216 bytes' };
    render(<EvidencePieceView captureId={7} piece={piece} />);
    expect(screen.getAllByTestId('go-cpu-function')[0]).toHaveTextContent('main.burnCPU');
    expect(screen.getByTestId('evidence-failure')).toHaveTextContent('truncated');
  });
});
