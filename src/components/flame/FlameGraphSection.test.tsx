import React from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { FlameNestedSet } from '../../api/types';
import { detailGoCpu, goCpuNoEndpoint, goCpuPiece, type AcrossDetail } from '../../test/acrossFixtures';
import { detailDone } from '../../test/fixtures';
import { panelRows } from '../../test/panelRenderer';
import { FlameGraphSection } from './FlameGraphSection';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  PanelRenderer: jest.requireActual('../../test/panelRenderer').PanelAsRows,
}));

const NS_PER_MS = 1_000_000;

function goFlameOf(capture: AcrossDetail): FlameNestedSet {
  return (capture.evidence![0].summary as { flame: FlameNestedSet }).flame;
}

/** The widest row of a level. */
function widest(rows: Array<Record<string, string>>, level: number) {
  return rows.filter((r) => r.level === String(level)).sort((a, b) => Number(b.value) - Number(a.value))[0];
}

describe('FlameGraphSection', () => {
  it('draws a JVM with Grafana’s flame graph panel: the root is all threads’ CPU, the spinner widest', () => {
    const capture = detailDone();
    const { container } = render(<FlameGraphSection capture={capture} />);
    expect(screen.getByTestId('panel-renderer')).toHaveAttribute('data-plugin-id', 'flamegraph');
    const rows = panelRows(container);
    const cpuMs = capture.processes[0].threads.reduce((sum, t) => sum + t.cpuMs, 0);
    expect(rows[0].level).toBe('0');
    expect(Number(rows[0].value)).toBe(cpuMs * NS_PER_MS);
    expect(widest(rows, 1).label).toBe('hot-spinner');
    // Down the spinner's stack, outermost first, to the frame it burned the CPU in.
    expect(widest(rows, 2).label).toBe('java.lang.Thread.run');
    expect(widest(rows, 4).label).toBe('Workload.lambda$main$0');
    expect(Number(widest(rows, 4).self)).toBe(1990 * NS_PER_MS);
  });

  it('draws a Go CPU profile from its summary’s tree, as served', () => {
    const capture = detailGoCpu();
    const { container } = render(<FlameGraphSection capture={capture} />);
    const rows = panelRows(container);
    const flame = goFlameOf(capture);
    expect(rows.map((r) => r.label)).toEqual(flame.labels);
    expect(rows.map((r) => Number(r.value))).toEqual(flame.values);
    expect(widest(rows, 3).label).toBe('main.spinHot');
    expect(screen.getByText(/The CPU profile by call path/)).toBeInTheDocument();
  });

  it('draws the go-cpu piece of a real collection: its total at the root, the burning function widest', () => {
    const piece = goCpuPiece();
    const summary = piece.summary as { totalNanos: number; flame: FlameNestedSet };
    const capture: AcrossDetail = { ...detailGoCpu(), evidence: [piece] };
    const { container } = render(<FlameGraphSection capture={capture} />);
    const rows = panelRows(container);
    expect(rows.map((r) => r.label)).toEqual(summary.flame.labels);
    expect(Number(rows[0].value)).toBe(summary.totalNanos);
    expect(widest(rows, 1).label).toBe('main.burnCPU');
  });

  it('says why a go-cpu piece of a pod without a pprof endpoint has no graph', () => {
    const piece = goCpuNoEndpoint();
    const capture: AcrossDetail = { ...detailGoCpu(), evidence: [piece] };
    render(<FlameGraphSection capture={capture} />);
    expect(screen.queryByTestId('panel-renderer')).not.toBeInTheDocument();
    expect(screen.getByText(piece.failure!.message, { exact: false })).toBeInTheDocument();
  });

  it('leaves a profile that was not taken out beside a JVM’s graph', () => {
    const capture: AcrossDetail = { ...detailDone(), evidence: [goCpuNoEndpoint()] };
    const { container } = render(<FlameGraphSection capture={capture} />);
    expect(widest(panelRows(container), 1).label).toBe('hot-spinner');
    expect(screen.queryByRole('radio')).not.toBeInTheDocument();
    expect(screen.queryByText(/declares a pprof endpoint/)).not.toBeInTheDocument();
  });

  it('switches between a JVM and a Go profile of one capture', async () => {
    const capture: AcrossDetail = { ...detailDone(), evidence: detailGoCpu().evidence };
    const { container } = render(<FlameGraphSection capture={capture} />);
    expect(widest(panelRows(container), 1).label).toBe('hot-spinner');
    await userEvent.click(screen.getByRole('radio', { name: 'Go CPU profile of app' }));
    expect(widest(panelRows(container), 3).label).toBe('main.spinHot');
    await userEvent.click(screen.getByRole('radio', { name: 'JVM PID 1 in app' }));
    expect(widest(panelRows(container), 1).label).toBe('hot-spinner');
  });

  it('says why a failed profile has no graph, with the room’s message', () => {
    const capture = detailGoCpu();
    capture.evidence = [
      {
        ...capture.evidence![0],
        summary: null,
        failure: { reason: 'no-pprof-port', message: 'Declare a container port named "pprof".' },
      },
    ];
    render(<FlameGraphSection capture={capture} />);
    expect(screen.queryByTestId('panel-renderer')).not.toBeInTheDocument();
    expect(screen.getByText('No flame graph for the Go CPU profile of app')).toBeInTheDocument();
    expect(screen.getByText(/Declare a container port named "pprof"/)).toBeInTheDocument();
  });

  it('refuses a malformed tree with its reason rather than drawing it', () => {
    const capture = detailGoCpu();
    goFlameOf(capture).levels[2] = 5;
    render(<FlameGraphSection capture={capture} />);
    expect(screen.queryByTestId('panel-renderer')).not.toBeInTheDocument();
    expect(screen.getByText(/cannot be drawn: node 2 \("main.burn"\) jumps to level 5/)).toBeInTheDocument();
  });

  it('shows nothing for a capture with neither threads nor a profile', () => {
    const capture = detailDone();
    capture.processes = [];
    const { container } = render(<FlameGraphSection capture={capture} />);
    expect(container).toBeEmptyDOMElement();
  });
});
