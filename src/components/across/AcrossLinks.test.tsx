import React from 'react';
import { act, screen, waitFor } from '@testing-library/react';
import type { BackendSrvRequest } from '@grafana/runtime';
import CapturePage from '../../pages/CapturePage';
import { detailGoCpu, previous, type AcrossDetail } from '../../test/acrossFixtures';
import { detailDone } from '../../test/fixtures';
import { panelRows } from '../../test/panelRenderer';
import { renderInRouter } from '../../test/renderInRouter';
import { HttpFailure, routes } from '../../test/transport';

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
  PanelRenderer: jest.requireActual('../../test/panelRenderer').PanelAsRows,
}));

// A guard against a busy machine, not a speed bound: the capture page renders in seconds there.
const SLOW = { timeout: 15000 };

const BASE = 'GET /api/plugins/seed-stackcapture-app/resources/captures';

/** Serves a capture and its previous capture's answer; returns the URLs asked. */
function serve(capture: AcrossDetail, previous: () => unknown) {
  const asked: string[] = [];
  mockFetch.mockImplementation((req: BackendSrvRequest) => {
    asked.push(req.url);
    return routes({
      [`${BASE}/${capture.id}`]: () => capture,
      [`${BASE}/${capture.id}/previous`]: previous,
    })(req);
  });
  renderInRouter(<CapturePage />, `/captures/${capture.id}`, 'captures/:id');
  return asked;
}

function checkout(): AcrossDetail {
  return { ...detailDone(), workload: { kind: 'Deployment', name: 'checkout' } };
}

describe('AcrossLinks on the capture page', () => {
  it('links to the workload’s hot frames and to the comparison with the previous capture', async () => {
    serve(checkout(), previous);
    const compare = await screen.findByRole('link', { name: /Compare with the previous capture/ }, SLOW);
    expect(compare).toHaveAttribute('href', `/a/seed-stackcapture-app/compare?base=${previous().id}&other=3`);
    const hot = screen.getByRole('link', { name: /This workload’s hot frames/ });
    const url = new URL(hot.getAttribute('href')!, 'http://localhost');
    expect(url.pathname).toBe('/a/seed-stackcapture-app/workload');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      cluster: 'default',
      namespace: 'shop',
      kind: 'Deployment',
      name: 'checkout',
      from: 'now-7d',
      to: 'now',
    });
  });

  it('hides the comparison when the workload has no previous capture (404)', async () => {
    const asked = serve(checkout(), () => new HttpFailure(404, 'no previous capture'));
    await screen.findByRole('link', { name: /This workload’s hot frames/ }, SLOW);
    await waitFor(
      () => expect(asked).toContain(`/api/plugins/seed-stackcapture-app/resources/captures/3/previous`),
      SLOW
    );
    // Let the 404 settle (the transport answers at once), then nothing about it is shown.
    await act(() => new Promise((resolve) => setTimeout(resolve, 100)));
    expect(screen.queryByText(/previous capture could not/)).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Compare with the previous capture/ })).not.toBeInTheDocument();
  });

  it('says so quietly when the previous capture cannot be looked up for another reason', async () => {
    serve(checkout(), () => new HttpFailure(500, 'database is locked'));
    expect(
      await screen.findByText('(the previous capture could not be looked up: database is locked)', undefined, SLOW)
    ).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Compare with the previous capture/ })).not.toBeInTheDocument();
  });

  it('shows no links and asks nothing for a capture whose workload is unknown', async () => {
    const asked = serve({ ...detailDone(), workload: undefined }, () => ({ id: 2 }));
    await screen.findByText('Busiest threads', undefined, SLOW);
    expect(screen.queryByRole('link', { name: /hot frames/ })).not.toBeInTheDocument();
    expect(asked.filter((u) => u.endsWith('/previous'))).toEqual([]);
  });

  it('shows a Go capture’s flame graph and its links on the page', async () => {
    const capture = detailGoCpu();
    serve(capture, () => ({ id: 5 }));
    const compare = await screen.findByRole('link', { name: /Compare with the previous capture/ }, SLOW);
    expect(compare).toHaveAttribute('href', '/a/seed-stackcapture-app/compare?base=5&other=8');
    const rows = panelRows(screen.getByTestId('flame-graph'));
    expect(rows[0]).toMatchObject({ level: '0', label: 'total', value: String(1300 * 1_000_000) });
  });
});
