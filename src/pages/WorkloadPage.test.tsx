import React from 'react';
import { screen, within } from '@testing-library/react';
import type { BackendSrvRequest } from '@grafana/runtime';
import type { HotFrames } from '../api/types';
import { hotFrames } from '../test/acrossFixtures';
import { renderInRouter } from '../test/renderInRouter';
import { HttpFailure, routes } from '../test/transport';
import WorkloadPage from './WorkloadPage';

// A guard against a busy machine, not a speed bound.
const SLOW = { timeout: 15000 };

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const HOT_FRAMES = 'GET /api/plugins/seed-stackcapture-app/resources/workloads/hot-frames';
const WEEK_MS = 7 * 24 * 3600 * 1000;
const CHECKOUT = 'cluster=default&namespace=shop&kind=Deployment&name=checkout';

function serve(reply: () => unknown) {
  const asked: BackendSrvRequest[] = [];
  mockFetch.mockImplementation(
    routes({
      [HOT_FRAMES]: (req) => {
        asked.push(req);
        return reply();
      },
    })
  );
  return asked;
}

function renderWorkload(query: string) {
  return renderInRouter(<WorkloadPage />, `/workload?${query}`, 'workload');
}

/** The frame column of the table's body rows, top to bottom. */
function rankedFrames(): string[] {
  const rows = screen.getAllByRole('row').slice(1);
  return rows.map((r) => within(r).getAllByRole('cell')[1].textContent ?? '');
}

describe('WorkloadPage', () => {
  it('ranks the frames that came back in the most captures first, with their share and last capture', async () => {
    // Served in another order than the ranking, so the page's own ranking is what is seen.
    const asked = serve(() => {
      const hot = hotFrames();
      hot.frames.reverse();
      return hot;
    });
    renderWorkload(`${CHECKOUT}&from=now-7d&to=now`);
    expect(await screen.findByText(/^10 captures between/, undefined, SLOW)).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Deployment checkout' })).toBeInTheDocument();
    expect(rankedFrames()).toEqual([
      'com.acme.checkout.PriceCalculator.applyDiscounts',
      'Workload.lambda$main$0',
      'com.acme.cache.Cache$$Lambda.apply',
    ]);
    const top = screen.getAllByRole('row')[1];
    expect(within(top).getByRole('meter', { name: 'captures it was hot in' })).toHaveAttribute(
      'aria-valuetext',
      '7 of 10'
    );
    expect(within(top).getByRole('meter', { name: 'mean CPU' })).toHaveAttribute('aria-valuetext', '93.0%');
    expect(within(top).getByRole('link', { name: 'Capture 3' })).toHaveAttribute(
      'href',
      '/a/seed-stackcapture-app/captures/3'
    );
    expect(within(top).getByText('2026-11-19 08:12:41')).toBeInTheDocument();
    expect(within(top).getByText('2026-11-22 10:33:25')).toBeInTheDocument();
    // A frame whose share was never measured says so rather than 0 %.
    const unmeasured = screen.getAllByRole('row')[3];
    expect(within(unmeasured).getByRole('meter', { name: 'mean CPU' })).toHaveAttribute('aria-valuetext', '—');

    // The workload and the range's last week, evaluated when asked, in epoch milliseconds.
    expect(asked).toHaveLength(1);
    const p = asked[0].params as Record<string, string | number>;
    expect(p).toMatchObject({ cluster: 'default', namespace: 'shop', kind: 'Deployment', name: 'checkout' });
    // from and to are each evaluated against the clock: a millisecond may pass between them.
    expect(Number(p.to) - Number(p.from)).toBeGreaterThanOrEqual(WEEK_MS);
    expect(Number(p.to) - Number(p.from)).toBeLessThan(WEEK_MS + 60_000);
    expect(Math.abs(Number(p.to) - Date.now())).toBeLessThan(60_000);
  });

  it('asks for an absolute range as given in epoch milliseconds', async () => {
    const asked = serve(hotFrames);
    renderWorkload(`${CHECKOUT}&from=1795000000000&to=1795343605000`);
    await screen.findByText(/^10 captures between/, undefined, SLOW);
    expect(asked[0].params).toMatchObject({ from: 1795000000000, to: 1795343605000 });
  });

  it('says when the workload had no capture in the range', async () => {
    serve((): HotFrames => ({ ...hotFrames(), captures: 0, frames: [] }));
    renderWorkload(CHECKOUT);
    expect(await screen.findByText(/No capture of this workload between/, undefined, SLOW)).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('shows the backend’s reason when it cannot answer', async () => {
    serve(() => new HttpFailure(400, 'unknown workload kind "Pod"'));
    renderWorkload(CHECKOUT);
    expect(await screen.findByText('unknown workload kind "Pod"', undefined, SLOW)).toBeInTheDocument();
  });

  it('asks nothing and says what is missing without a workload', async () => {
    const asked = serve(hotFrames);
    renderWorkload('cluster=default&namespace=shop');
    expect(await screen.findByText(/its address needs kind, name/, undefined, SLOW)).toBeInTheDocument();
    expect(asked).toHaveLength(0);
  });
});
