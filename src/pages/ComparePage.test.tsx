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

/** A group's rows: the frame, the thread and both shares. */
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
    renderCompare('base=41&other=42');
    await screen.findByTestId('change-appeared', undefined, SLOW);
    expect(asked[0].params).toEqual({ base: 41, other: 42 });

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
    expect(appeared.rows[0].text).toContain('com.fasterxml.jackson.databind.ObjectMapper.readValue');
    expect(appeared.rows[0].text).toContain('in thread http-nio-8080-exec-3');
    expect(appeared.rows[0]).toMatchObject({ before: '0%', after: '12%' });
    expect(appeared.rows[0].text).toContain('+12 pts');

    const grew = group('grew');
    expect(grew.rows[0].text).toContain('com.acme.checkout.Spin.spinHot');
    expect(grew.rows[0]).toMatchObject({ before: '41%', after: '97%' });
    expect(grew.rows[0].text).toContain('+56 pts');

    expect(group('shrank').rows[0]).toMatchObject({ before: '22%', after: '8%' });
    expect(group('shrank').rows[0].text).toContain('−14 pts');
    expect(group('disappeared').rows[0].text).toContain('com.acme.checkout.PriceCache.rebuild');
    expect(group('disappeared').rows[0]).toMatchObject({ before: '35%', after: '0%' });
    expect(group('same').title).toBe('Unchanged · 1');

    // Both captures are named with links to them, the earlier first.
    const links = screen.getAllByRole('link', { name: /^Capture 4[12] / });
    expect(links.map((l) => l.getAttribute('href'))).toEqual([
      '/a/seed-stackcapture-app/captures/41',
      '/a/seed-stackcapture-app/captures/42',
    ]);
  });

  it('leaves empty groups out', async () => {
    serve(() => ({ ...comparison(), entries: comparison().entries.filter((e) => e.change === 'grew') }));
    renderCompare('base=41&other=42');
    await screen.findByTestId('change-grew', undefined, SLOW);
    expect(screen.queryByTestId('change-appeared')).not.toBeInTheDocument();
    expect(screen.queryByTestId('change-same')).not.toBeInTheDocument();
  });

  it('shows the backend’s reason when the captures cannot be compared', async () => {
    serve(() => new HttpFailure(404, 'capture 41 not found'));
    renderCompare('base=41&other=42');
    expect(await screen.findByText('capture 41 not found', undefined, SLOW)).toBeInTheDocument();
  });

  it('asks nothing for ids that are not capture ids', async () => {
    const asked = serve(comparison);
    renderCompare('base=x&other=42');
    expect(
      await screen.findByText(/needs base and other, two capture ids \(got base "x"/, undefined, SLOW)
    ).toBeInTheDocument();
    expect(asked).toHaveLength(0);
  });
});
