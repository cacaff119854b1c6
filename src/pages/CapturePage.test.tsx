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
      expect(screen.getByText(/JVM OpenJDK 64-Bit Server VM \(17\.0\.15/)).toBeInTheDocument();
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
      expect(screen.getByText('Deadlock')).toBeInTheDocument();
      expect(screen.getByText(/Found one Java-level deadlock:/)).toBeInTheDocument();
      expect(screen.getByText(/which is held by "deadlock-2"/)).toBeInTheDocument();
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
  });

  it('warns that a truncated capture is incomplete', async () => {
    renderCapture(detailTruncated());
    expect(await screen.findByText('Output truncated')).toBeInTheDocument();
    expect(screen.getByText('Thread dump truncated')).toBeInTheDocument();
    expect(
      screen.getByText('output cut at 16777216 bytes (maxOutputBytes): the thread dump is incomplete')
    ).toBeInTheDocument();
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
