import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { GoCpuFunction } from '../../../api/types';
import { goCpuPiece } from '../../../test/fixtures/evidence';
import { EvidencePieceView } from '../EvidencePieceView';
import { GO_CPU_ROWS } from './GoCpuView';

describe('GoCpuView', () => {
  it('ranks the burning function first with its flat and cum share of one core', () => {
    render(<EvidencePieceView captureId={9} piece={goCpuPiece()} />);
    const card = screen.getByRole('region', { name: 'Go CPU profile · agent' });
    const rows = within(card).getAllByTestId('go-cpu-function');
    expect(rows[0]).toHaveTextContent('#1');
    expect(rows[0]).toHaveTextContent('main.burnCPU');
    expect(rows[0]).toHaveTextContent('target/main.go');
    // flatShare 0.2548 and cumShare 0.3197 of one core over the window.
    expect(within(rows[0]).getByRole('meter', { name: 'flat CPU' })).toHaveAttribute('aria-valuenow', '25');
    expect(rows[0]).toHaveTextContent('25.5%');
    expect(rows[0]).toHaveTextContent('32.0%');
    expect(
      within(card).getByText(/32\.0% CPU over 2\.0 s \(100% = one core\) · 64 samples · 2 functions/)
    ).toBeVisible();
  });

  it('says where the profile came from, how long it took, and offers the raw profile for go tool pprof', () => {
    render(<EvidencePieceView captureId={9} piece={goCpuPiece()} />);
    expect(screen.getByText('container port "pprof" (http://:6060/debug/pprof)')).toHaveAttribute(
      'title',
      'asked for /debug/pprof/profile?seconds=2'
    );
    expect(screen.getByText(/took 2\.0 s/)).toBeInTheDocument();
    const link = screen.getByRole('link', { name: /Download cpu\.pb\.gz \(708 B\)/ });
    expect(link).toHaveAttribute('href', '/api/plugins/seed-stackcapture-app/resources/captures/9/evidence/21/raw');
    expect(link).toHaveAttribute('download', 'capture-9-agent-cpu.pb.gz');
    expect(screen.getByText(/open with go tool pprof/)).toBeInTheDocument();
    expect(screen.queryByTestId('evidence-failure')).not.toBeInTheDocument();
  });

  it('keeps the list short and shows the rest on demand', async () => {
    const piece = goCpuPiece();
    const many: GoCpuFunction[] = Array.from({ length: 25 }, (_, i) => ({
      function: `main.f${i}`,
      flatNanos: (25 - i) * 1e7,
      cumNanos: (25 - i) * 1e7,
      flatShare: (25 - i) / 200,
      cumShare: (25 - i) / 200,
    }));
    piece.summary.topFlat = many;
    render(<EvidencePieceView captureId={9} piece={piece} />);
    expect(screen.getAllByTestId('go-cpu-function')).toHaveLength(GO_CPU_ROWS);
    await userEvent.click(screen.getByRole('button', { name: 'Show all 25 functions kept' }));
    expect(screen.getAllByTestId('go-cpu-function')).toHaveLength(25);
  });

  it('says an idle program burned nothing rather than showing an empty table', () => {
    const piece = goCpuPiece();
    piece.summary.topFlat = null;
    piece.summary.topCum = null;
    render(<EvidencePieceView captureId={9} piece={piece} />);
    expect(screen.getByText(/No CPU was sampled over the window/)).toBeInTheDocument();
  });
});
