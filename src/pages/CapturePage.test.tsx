import React from 'react';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { CaptureDetail } from '../api/types';
import { detailDone, detailFailed, detailSkipped, detailTruncated } from '../test/fixtures';
import { renderInRouter } from '../test/renderInRouter';
import { HttpFailure, routes } from '../test/transport';
import CapturePage from './CapturePage';

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const DETAIL = (id: number) => `GET /api/plugins/seed-stackcapture-app/resources/captures/${id}`;

function renderCapture(detail: CaptureDetail) {
  mockFetch.mockImplementation(routes({ [DETAIL(detail.id)]: () => detail }));
  return renderInRouter(<CapturePage />, `/captures/${detail.id}`, 'captures/:id');
}

function threadCard(name: string): HTMLElement {
  const card = screen.getAllByTestId('thread-card').find((c) => within(c).queryByRole('heading', { name }));
  if (!card) {
    throw new Error(`no thread card named ${name}`);
  }
  return card;
}

describe('CapturePage', () => {
  describe('a done capture', () => {
    it('ranks threads by CPU with the hot spinner first at 99.5%', async () => {
      renderCapture(detailDone());
      const cards = await screen.findAllByTestId('thread-card');
      expect(cards).toHaveLength(8);
      expect(within(cards[0]).getByRole('heading')).toHaveTextContent('hot-spinner');
      expect(within(cards[0]).getByText('99.5% CPU')).toBeInTheDocument();
      expect(within(cards[0]).getByText('RUNNABLE')).toBeInTheDocument();
      expect(within(cards[1]).getByRole('heading')).toHaveTextContent('warm "quoted" (parens) 工作线程');
      expect(within(cards[1]).getByText('TIMED_WAITING')).toBeInTheDocument();
      // The /proc-only compiler thread is said to have no stack.
      expect(within(threadCard('C2 CompilerThre')).getByText(/Seen in \/proc only/)).toBeInTheDocument();
      // Daemon threads say so; others do not.
      expect(within(threadCard('idle-pool-0')).getByText(/daemon/)).toBeInTheDocument();
      expect(within(cards[0]).queryByText(/daemon/)).not.toBeInTheDocument();
    });

    it('shows the header, JVM and the alert with links made relative to this Grafana', async () => {
      renderCapture(detailDone());
      expect(await screen.findByRole('heading', { name: 'checkout-7d9f8c6b5-x2x4q / app' })).toBeInTheDocument();
      expect(screen.getByText(/node worker-1/)).toBeInTheDocument();
      expect(screen.getByText(/cluster default · namespace shop/)).toBeInTheDocument();
      // The JVM is said once, with its stacks, not again in the header.
      expect(screen.getAllByText(/OpenJDK 64-Bit Server VM \(17\.0\.15/)).toHaveLength(1);
      expect(screen.getByText(/^JVM OpenJDK 64-Bit Server VM/)).toBeInTheDocument();
      expect(screen.getByText(/sampled over 2\.0 s/)).toBeInTheDocument();
      expect(screen.getByText('Alert: Pod CPU high')).toBeInTheDocument();
      expect(screen.getByText('Container CPU above 1 core')).toBeInTheDocument();
      expect(screen.getByText('Values B=4.427, C=1')).toBeInTheDocument();
      // jsdom runs at http://localhost/, not the fixture's 127.0.0.1:3000: links stay absolute.
      expect(screen.getByRole('link', { name: /Dashboard panel/ })).toHaveAttribute(
        'href',
        'http://127.0.0.1:3000/d/lab-dash?from=1795340000000&orgId=1&to=1795343605014&viewPanel=1'
      );
      expect(screen.getByRole('link', { name: /Alert rule/ })).toHaveAttribute(
        'href',
        'http://127.0.0.1:3000/alerting/grafana/lab-k8s-cpu/view?orgId=1'
      );
      expect(screen.getByRole('link', { name: /Download raw dump/ })).toHaveAttribute(
        'href',
        '/api/plugins/seed-stackcapture-app/resources/captures/3/raw'
      );
      expect(screen.getByRole('button', { name: /Copy link/ })).toBeInTheDocument();
    });

    it('collapses JDK frames behind an expander and shows application frames', async () => {
      renderCapture(detailDone());
      await screen.findAllByTestId('thread-card');
      const hot = threadCard('hot-spinner');
      expect(within(hot).getByText('Workload.lambda$main$0')).toBeInTheDocument();
      expect(within(hot).queryByText('java.lang.Thread.run')).not.toBeInTheDocument();
      const waiter = threadCard('waiting-on-reentrantlock');
      const expander = within(waiter).getByRole('button', { name: '3 JDK frames' });
      expect(expander).toHaveAttribute('aria-expanded', 'false');
      // The lock line of a collapsed frame stays visible.
      expect(within(waiter).getByText(/parking to wait for <0x000000069ec30e90>/)).toBeInTheDocument();

      await userEvent.click(within(hot).getByRole('button', { name: '1 JDK frame' }));
      expect(within(hot).getByText('java.lang.Thread.run')).toBeInTheDocument();
      await userEvent.click(expander);
      expect(expander).toHaveAttribute('aria-expanded', 'true');
      expect(within(waiter).getByText('jdk.internal.misc.Unsafe.park')).toBeInTheDocument();
      expect(within(waiter).getByText('java.util.concurrent.locks.ReentrantLock.lock')).toBeInTheDocument();
      expect(within(waiter).getAllByTestId('jdk-frame')).toHaveLength(3);
      expect(within(waiter).getAllByTestId('app-frame')).toHaveLength(1);
    });

    it('shows lock lines, owned synchronizers and the deadlock section', async () => {
      renderCapture(detailDone());
      await screen.findAllByTestId('thread-card');
      const blocked = threadCard('deadlock-1');
      expect(within(blocked).getByText('BLOCKED')).toBeInTheDocument();
      const locks = within(blocked).getAllByTestId('lock-line');
      expect(locks.map((l) => l.textContent)).toEqual([
        '- waiting to lock <0x000000069ec1a6c0> (a java.lang.Object)',
        '- locked <0x000000069ec1a6b0> (a java.lang.Object)',
      ]);
      const main = threadCard('main');
      expect(within(main).getByText('Locked ownable synchronizers:')).toBeInTheDocument();
      expect(
        within(main).getByText(/owned <0x000000069ec30e90> \(a java.util.concurrent.locks.ReentrantLock\$NonfairSync\)/)
      ).toBeInTheDocument();
      // The verbatim report opens on demand.
      const deadlock = screen.getByTestId('deadlock');
      expect(within(deadlock).queryByText(/Found one Java-level deadlock:/)).not.toBeInTheDocument();
      await userEvent.click(within(deadlock).getByRole('button', { name: 'JVM report' }));
      expect(within(deadlock).getByText(/Found one Java-level deadlock:/)).toBeInTheDocument();
      expect(within(deadlock).getByText(/which is held by "deadlock-2"/)).toBeInTheDocument();
    });

    it('filters threads by name or frame and highlights the match', async () => {
      renderCapture(detailDone());
      await screen.findAllByTestId('thread-card');
      await userEvent.type(screen.getByPlaceholderText('Search thread names and stack frames'), 'ReentrantLock.lock');
      const cards = screen.getAllByTestId('thread-card');
      expect(cards).toHaveLength(1);
      expect(within(cards[0]).getByRole('heading')).toHaveTextContent('waiting-on-reentrantlock');
      // The match is inside a JDK run, which opens for it.
      const mark = within(cards[0]).getByText('ReentrantLock.lock', { selector: 'mark' });
      expect(mark).toBeInTheDocument();
      expect(screen.getByText('1 of 8 threads match')).toBeInTheDocument();

      await userEvent.clear(screen.getByPlaceholderText('Search thread names and stack frames'));
      await userEvent.type(screen.getByPlaceholderText('Search thread names and stack frames'), 'hot-');
      expect(screen.getAllByTestId('thread-card')).toHaveLength(1);
      expect(screen.getByText('hot-', { selector: 'mark' })).toBeInTheDocument();
    });
  });

  describe('the answer first', () => {
    function follows(a: Element, b: Element): boolean {
      return (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
    }

    it('puts the ranked busiest threads before the deadlock and the thread cards', async () => {
      renderCapture(detailDone());
      const cards = await screen.findAllByTestId('thread-card');
      const ranked = screen.getByTestId('busiest-threads');
      expect(follows(ranked, screen.getByTestId('deadlock'))).toBe(true);
      expect(follows(ranked, cards[0])).toBe(true);
      expect(follows(screen.getByTestId('deadlock'), cards[0])).toBe(true);
      // Nothing but the header, the alert and the outcome comes before it.
      expect(follows(ranked, screen.getByPlaceholderText('Search thread names and stack frames'))).toBe(true);
      expect(within(ranked).getByText(/top 8 of 37 threads by CPU/)).toBeInTheDocument();
      expect(within(ranked).getByText(/the other 29 are in the raw dump/)).toBeInTheDocument();
    });

    it('lists rank, name, state, CPU and the top application frame, linking to each card', async () => {
      renderCapture(detailDone());
      await screen.findAllByTestId('thread-card');
      const rows = screen.getAllByTestId('busy-thread');
      expect(rows).toHaveLength(8);
      const hot = rows[0];
      expect(hot).toHaveTextContent(/^#1hot-spinnerRUNNABLE99\.5%Workload\.lambda\$main\$0\(Workload\.java:\d+\)$/);
      expect(within(hot).getByRole('meter', { name: 'CPU' })).toHaveAttribute('aria-valuenow', '99.5');
      // The warm thread sits in java.lang.Thread.sleep: its top application frame is the caller.
      expect(within(rows[1]).getByTestId('top-frame')).toHaveTextContent(/^Workload\.lambda\$main\$1/);
      expect(within(rows[6]).getByTestId('top-frame')).toHaveTextContent(/^Workload\.lambda\$main\$4/);
      for (const row of rows) {
        const frame = within(row).queryByTestId('top-frame');
        expect(frame?.textContent ?? '').not.toMatch(/^(java|javax|jdk|sun|com\.sun)\./);
      }
      expect(within(rows[2]).getByText('not in the dump (VM thread)')).toBeInTheDocument();
      // Each name links to the card of the same rank.
      rows.forEach((row, i) => {
        const href = within(row).getByRole('link').getAttribute('href') ?? '';
        const card = document.getElementById(href.slice(1));
        expect(card).not.toBeNull();
        expect(within(card as HTMLElement).getByRole('heading')).toHaveTextContent(
          within(row).getByRole('link').textContent ?? ''
        );
        expect(card).toHaveTextContent(`#${i + 1}`);
      });
    });

    it('jumps to a card, clearing a search that hides it', async () => {
      renderCapture(detailDone());
      await screen.findAllByTestId('thread-card');
      await userEvent.type(screen.getByPlaceholderText('Search thread names and stack frames'), 'hot-');
      expect(screen.getAllByTestId('thread-card')).toHaveLength(1);
      await userEvent.click(within(screen.getByTestId('busiest-threads')).getByRole('link', { name: 'idle-pool-0' }));
      expect(screen.getByPlaceholderText('Search thread names and stack frames')).toHaveValue('');
      expect(screen.getAllByTestId('thread-card')).toHaveLength(8);
      expect(document.activeElement).toBe(document.getElementById('thread-0-8'));
      expect(threadCard('idle-pool-0').closest('[id]')).toBe(document.activeElement);
    });

    it('collapses the deadlock to one line naming its threads, linked to their cards or said to have none', async () => {
      renderCapture(detailDone());
      await screen.findAllByTestId('thread-card');
      const deadlock = screen.getByTestId('deadlock');
      expect(deadlock).toHaveTextContent(/^Deadlockdeadlock-1 ↔ deadlock-2 \(no card\)JVM report$/);
      const names = within(deadlock).getAllByTestId('deadlock-thread');
      const link = within(names[0]).getByRole('link', { name: 'deadlock-1' });
      const card = document.getElementById((link.getAttribute('href') ?? '').slice(1));
      expect(card).toBe(threadCard('deadlock-1').closest('[id]'));
      // deadlock-2 used no CPU: it is not among the 8 stored threads, so it has no card to link to.
      expect(within(names[1]).queryByRole('link')).not.toBeInTheDocument();
      expect(within(names[1]).getByText('deadlock-2').closest('[title]')).toHaveAttribute(
        'title',
        'Only the 8 busiest threads are stored with a card; this one is in the raw dump.'
      );
      await userEvent.click(link);
      expect(document.activeElement).toBe(card);
    });
  });

  it('gives each JVM of a capture its own ranked list, anchors and deadlock links, and one truncation warning', async () => {
    const detail = detailDone();
    const first = detail.processes[0];
    const second = {
      ...first,
      pid: 77,
      container: 'sidecar',
      threadCount: 3,
      truncated: true,
      error: 'output cut at 65536 bytes (maxOutputBytes): the thread dump is incomplete',
      threads: first.threads.filter((t) => t.name.startsWith('deadlock') || t.name === 'main'),
    };
    renderCapture({ ...detail, processes: [first, second] });
    await screen.findAllByTestId('thread-card');
    const lists = screen.getAllByTestId('busiest-threads');
    expect(lists).toHaveLength(2);
    expect(within(lists[0]).getByText(/top 8 of 37 threads by CPU · PID 1 in app/)).toBeInTheDocument();
    expect(within(lists[1]).getByText(/top 2 of 3 threads by CPU · PID 77 in sidecar/)).toBeInTheDocument();
    // Every link of the page leads to one card, and no two cards share an id.
    const ids = screen.getAllByTestId('thread-card').map((c) => c.closest('[id]')?.id);
    expect(new Set(ids).size).toBe(ids.length);
    const [, secondDeadlock] = screen.getAllByTestId('deadlock');
    const link = within(secondDeadlock).getByRole('link', { name: 'deadlock-1' });
    expect(link).toHaveAttribute('href', '#thread-1-1');
    expect(document.getElementById('thread-1-1')).toHaveTextContent('deadlock-1');
    // The second JVM is cut; the page says so once, naming which JVM.
    expect(screen.getAllByText('Output truncated')).toHaveLength(1);
    expect(
      screen.getByText('PID 77 in sidecar: output cut at 64 KiB (maxOutputBytes): the thread dump is incomplete')
    ).toBeInTheDocument();
  });

  it('shows why a capture failed', async () => {
    renderCapture(detailFailed());
    expect(await screen.findByText('Capture failed')).toBeInTheDocument();
    expect(screen.getByText(/forbidden: cannot create pods\/exec in namespace "shop"/)).toBeInTheDocument();
    expect(screen.queryByTestId('thread-card')).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Download raw dump/ })).not.toBeInTheDocument();
  });

  it('shows why a capture was skipped and when the next one is allowed', async () => {
    renderCapture(detailSkipped());
    expect(await screen.findByText('Capture skipped')).toBeInTheDocument();
    expect(screen.getByText(/^cooldown: shop\/checkout-7d9f8c6b5-x2x4q\/app was captured/)).toBeInTheDocument();
    // nextAllowedAt 1795344206000 is 2026-11-22 10:43:26 UTC (tests run in UTC).
    expect(screen.getByText('Next capture allowed after 2026-11-22 10:43:26')).toBeInTheDocument();
    // Said once: the reason's own "allowed after 10:43:25Z", a second off, is dropped.
    expect(document.body.textContent?.match(/allowed after/g)).toHaveLength(1);
    expect(document.body.textContent).not.toMatch(/10:43:25/);
  });

  it('warns once, in human units, that a truncated capture is incomplete', async () => {
    renderCapture(detailTruncated());
    expect(await screen.findByText('Output truncated')).toBeInTheDocument();
    // The capture and its process both say truncated: one warning says it.
    expect(screen.getAllByText(/truncated/i)).toHaveLength(1);
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    expect(
      screen.getByText('output cut at 16 MiB (maxOutputBytes): the thread dump is incomplete')
    ).toBeInTheDocument();
    expect(document.body.textContent).not.toMatch(/16777216/);
    // A manual capture has no alert.
    expect(screen.queryByText(/^Alert:/)).not.toBeInTheDocument();
    expect(screen.getAllByTestId('thread-card')).toHaveLength(1);
  });

  it('shows the backend error for a missing capture', async () => {
    mockFetch.mockImplementation(routes({ [DETAIL(99)]: () => new HttpFailure(404, 'capture not found') }));
    renderInRouter(<CapturePage />, '/captures/99', 'captures/:id');
    expect(await screen.findByText('Could not load the capture')).toBeInTheDocument();
    expect(screen.getByText('capture not found')).toBeInTheDocument();
  });
});
