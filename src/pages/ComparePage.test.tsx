import React from 'react';
import { screen, within } from '@testing-library/react';
import type { BackendSrvRequest } from '@grafana/runtime';
import { comparison } from '../test/acrossFixtures';
import { renderInRouter } from '../test/renderInRouter';
import { HttpFailure, routes } from '../test/transport';
import ComparePage from './ComparePage';

// A guard against a busy machine, not a speed bound.
const SLOW = { timeout: 15000 };

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const COMPARE = 'GET /api/plugins/seed-stackcapture-app/resources/captures/compare';

function serve(reply: () => unknown) {
  const asked: BackendSrvRequest[] = [];
  mockFetch.mockImplementation(
    routes({
      [COMPARE]: (req) => {
        asked.push(req);
        return reply();
      },
    })
  );
  return asked;
}

function renderCompare(query: string) {
  return renderInRouter(<ComparePage />, `/compare?${query}`, 'compare');
}

/** A group's title and rows: each row's text and both shares as its bars say them. */
function group(change: string) {
  const body = screen.getByTestId(`change-${change}`);
  const [title, ...rows] = within(body).getAllByRole('row');
  return {
    title: title.textContent,
    rows: rows.map((r) => ({
      text: r.textContent ?? '',
      before: within(r).getByRole('meter', { name: 'share before' }).getAttribute('aria-valuetext'),
      after: within(r).getByRole('meter', { name: 'share after' }).getAttribute('aria-valuetext'),
    })),
  };
}

describe('ComparePage', () => {
  it('shows what appeared, grew, shrank and disappeared, in that order, with both shares', async () => {
    const asked = serve(comparison);
    renderCompare('base=2&other=3');
    await screen.findByTestId('change-appeared', undefined, SLOW);
    expect(asked[0].params).toEqual({ base: 2, other: 3 });

    const order = screen.getAllByRole('rowgroup').map((g) => g.getAttribute('data-testid'));
    expect(order.filter(Boolean)).toEqual([
      'change-appeared',
      'change-grew',
      'change-shrank',
      'change-disappeared',
      'change-same',
    ]);

    const appeared = group('appeared');
    expect(appeared.title).toBe('Appeared · 1');
    expect(appeared.rows[0].text).toContain('com.acme.cache.Cache.rebuild');
    expect(appeared.rows[0].text).toContain('in thread cache-refresher');
    // Not hot before: no share, not a measured 0 %.
    expect(appeared.rows[0]).toMatchObject({ before: '—', after: '42.0%' });
    expect(appeared.rows[0].text).toContain('+42.0 pts');

    const grew = group('grew');
    expect(grew.rows[0].text).toContain('com.acme.checkout.PriceCalculator.applyDiscounts');
    expect(grew.rows[0]).toMatchObject({ before: '31.0%', after: '99.5%' });
    expect(grew.rows[0].text).toContain('+68.5 pts');

    expect(group('shrank').rows[0]).toMatchObject({ before: '60.0%', after: '20.0%' });
    expect(group('shrank').rows[0].text).toContain('−40.0 pts');

    const disappeared = group('disappeared');
    expect(disappeared.rows[0].text).toContain('Workload.lambda$main$0');
    expect(disappeared.rows[0].text).toContain('in thread hot-spinner');
    expect(disappeared.rows[0]).toMatchObject({ before: '88.0%', after: '—' });

    // A Go frame has no thread.
    const same = group('same');
    expect(same.title).toBe('Unchanged · 1');
    expect(same.rows[0].text).toContain('main.(*server).handle');
    expect(same.rows[0].text).not.toContain('in thread');

    // Both captures are named with links to them, the earlier first.
    const links = screen.getAllByRole('link', { name: /^Capture [23] / });
    expect(links.map((l) => l.getAttribute('href'))).toEqual([
      '/a/seed-stackcapture-app/captures/2',
      '/a/seed-stackcapture-app/captures/3',
    ]);
  });

  it('leaves empty groups out', async () => {
    serve(() => ({ ...comparison(), entries: comparison().entries.filter((e) => e.change === 'grew') }));
    renderCompare('base=2&other=3');
    await screen.findByTestId('change-grew', undefined, SLOW);
    expect(screen.queryByTestId('change-appeared')).not.toBeInTheDocument();
    expect(screen.queryByTestId('change-same')).not.toBeInTheDocument();
  });

  it('shows the backend’s reason when the captures cannot be compared', async () => {
    serve(() => new HttpFailure(404, 'capture 2 not found'));
    renderCompare('base=2&other=3');
    expect(await screen.findByText('capture 2 not found', undefined, SLOW)).toBeInTheDocument();
  });

  it('asks nothing for ids that are not capture ids', async () => {
    const asked = serve(comparison);
    renderCompare('base=x&other=3');
    expect(
      await screen.findByText(/needs base and other, two capture ids \(got base "x"/, undefined, SLOW)
    ).toBeInTheDocument();
    expect(asked).toHaveLength(0);
  });
});
