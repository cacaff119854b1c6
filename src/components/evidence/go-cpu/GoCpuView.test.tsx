import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { GoCpuFunction } from '../../../api/types';
import { goCpuPiece } from '../../../test/fixtures/evidence';
import { formatShare, formatSize } from '../../../utils/evidence';
import { EvidencePieceView } from '../EvidencePieceView';
import { GO_CPU_ROWS } from './GoCpuView';

describe('GoCpuView', () => {
  it('ranks the burning function first with its flat and cum share of one core', () => {
    const piece = goCpuPiece();
    const top = piece.summary.topFlat?.[0];
    render(<EvidencePieceView captureId={7} piece={piece} />);
    const card = screen.getByRole('region', { name: 'Go CPU profile · app' });
    const rows = within(card).getAllByTestId('go-cpu-function');
    expect(rows[0]).toHaveTextContent('#1');
    expect(rows[0]).toHaveTextContent('main.burnCPU');
    expect(rows[0]).toHaveTextContent('target/main.go');
    expect(within(rows[0]).getByRole('meter', { name: 'flat CPU' })).toHaveAttribute(
      'aria-valuenow',
      String(Math.round((top?.flatShare ?? 0) * 100))
    );
    expect(rows[0]).toHaveTextContent(formatShare(top?.flatShare ?? 0));
    expect(rows[0]).toHaveTextContent(formatShare(top?.cumShare ?? 0));
    // The runtime's preemption stub is kept in its place but dimmed, the program's function not.
    const runtime = rows.find((r) => r.textContent?.includes('runtime.asyncPreempt'));
    expect(runtime && within(runtime).getByTitle('runtime.asyncPreempt (Go runtime)')).toBeInTheDocument();
    expect(within(rows[0]).getByTitle('main.burnCPU')).toBeInTheDocument();
    expect(
      within(card).getByText(
        `${formatShare(piece.summary.totalShare)} CPU over 2.0 s (100% = one core) · ${piece.summary.samples} samples · ${piece.summary.functions} functions`
      )
    ).toBeVisible();
  });

  it('says where the profile came from, how long it took, and offers the raw profile for go tool pprof', () => {
    const piece = goCpuPiece();
    render(<EvidencePieceView captureId={7} piece={piece} />);
    expect(screen.getByText(piece.source)).toHaveAttribute('title', 'asked for /debug/pprof/profile?seconds=2');
    expect(screen.getByText(/took 2\.\d s/)).toBeInTheDocument();
    const link = screen.getByRole('link', { name: `Download cpu.pb.gz (${formatSize(piece.rawBytes ?? 0)})` });
    expect(link).toHaveAttribute('href', `/api/plugins/seed-stackcapture-app/resources/${piece.rawUrl}`);
    expect(link).toHaveAttribute('download', 'capture-7-app-cpu.pb.gz');
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
    render(<EvidencePieceView captureId={7} piece={piece} />);
    expect(screen.getAllByTestId('go-cpu-function')).toHaveLength(GO_CPU_ROWS);
    await userEvent.click(screen.getByRole('button', { name: 'Show all 25 functions kept' }));
    expect(screen.getAllByTestId('go-cpu-function')).toHaveLength(25);
  });

  it('says an idle program burned nothing rather than showing an empty table', () => {
    const piece = goCpuPiece();
    piece.summary.topFlat = null;
    piece.summary.topCum = null;
    render(<EvidencePieceView captureId={7} piece={piece} />);
    expect(screen.getByText(/No CPU was sampled over the window/)).toBeInTheDocument();
  });
});
