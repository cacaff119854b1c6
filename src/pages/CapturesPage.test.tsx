import React from 'react';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { BackendSrvRequest } from '@grafana/runtime';
import { captureList } from '../test/fixtures';
import { renderInRouter } from '../test/renderInRouter';
import { routes } from '../test/transport';
import CapturesPage from './CapturesPage';

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const LIST = 'GET /api/plugins/seed-stackcapture-app/resources/captures';

function renderPage() {
  return renderInRouter(<CapturesPage />);
}

describe('CapturesPage', () => {
  let requests: BackendSrvRequest[];

  beforeEach(() => {
    requests = [];
    const fixture = captureList();
    mockFetch.mockImplementation(
      routes({
        [LIST]: (req) => {
          requests.push(req);
          // The second page: one more capture, and no further cursor.
          return req.params?.cursor
            ? { captures: [{ ...fixture.captures[5], id: 1, pod: 'older-pod' }], nextCursor: '' }
            : fixture;
        },
      })
    );
  });

  it('lists every capture of the contract with status badges, reasons and links', async () => {
    renderPage();
    const rows = await screen.findAllByRole('row');
    // header + 6 captures
    expect(rows).toHaveLength(7);
    for (const status of ['running', 'queued', 'done', 'skipped', 'failed']) {
      expect(screen.getAllByText(status).length).toBeGreaterThan(0);
    }
    expect(screen.getAllByText('hot-spinner')).toHaveLength(2);
    expect(screen.getAllByText('99.5%')).toHaveLength(2);
    expect(screen.getByText(/forbidden: cannot create pods\/exec in namespace "shop"/)).toBeInTheDocument();
    expect(screen.getByText(/cooldown: shop\/checkout-7d9f8c6b5-x2x4q\/app was captured/)).toBeInTheDocument();
    // The running capture has no container yet: only the pod is shown.
    const running = rows[1];
    expect(within(running).getByText('checkout-7d9f8c6b5-x2x4q')).toBeInTheDocument();
    expect(within(rows[3]).getByText('checkout-7d9f8c6b5-x2x4q / app')).toBeInTheDocument();
    const link = within(rows[5]).getByRole('link');
    expect(link).toHaveAttribute('href', '/a/seed-stackcapture-app/captures/3');
  });

  it('keeps Time, Node and the pod on one line and gives Status only the room of its badge', async () => {
    renderPage();
    const rows = await screen.findAllByRole('row');
    const headers = within(rows[0]).getAllByRole('columnheader');
    const column = (name: string) => headers.findIndex((h) => h.textContent === name);
    const cell = (row: HTMLElement, name: string) => within(row).getAllByRole('cell')[column(name)];
    for (const row of rows.slice(1)) {
      expect(getComputedStyle(cell(row, 'Time').firstElementChild as HTMLElement).whiteSpace).toBe('nowrap');
      expect(getComputedStyle(cell(row, 'Node').firstElementChild as HTMLElement).whiteSpace).toBe('nowrap');
      const pod = within(cell(row, 'Pod / container')).getByText(/^checkout-7d9f8c6b5-x2x4q/);
      expect(getComputedStyle(pod).whiteSpace).toBe('nowrap');
      expect(pod).toHaveAttribute('title', pod.textContent);
    }
    // Time, Node and Status do not grow; the pod and the top thread or reason take the rest.
    for (const name of ['Time', 'Node', 'Status']) {
      expect(getComputedStyle(headers[column(name)]).width).toBe('0px');
    }
    expect(getComputedStyle(headers[column('Top thread or reason')]).width).not.toBe('0px');
    // A reason sits beside the badge's column, not in it, and says the next allowed time once.
    const skipped = rows[4];
    expect(within(cell(skipped, 'Status')).getByText('skipped')).toBeInTheDocument();
    expect(cell(skipped, 'Status')).not.toHaveTextContent(/cooldown/);
    expect(cell(skipped, 'Top thread or reason')).toHaveTextContent(
      'cooldown: shop/checkout-7d9f8c6b5-x2x4q/app was captured at 2026-11-22 10:33:25 (next capture allowed 2026-11-22 10:43:26)'
    );
  });

  it('asks for a time range and 50 rows, then pages with nextCursor', async () => {
    renderPage();
    await screen.findAllByRole('row');
    expect(requests[0].params).toEqual(
      expect.objectContaining({ from: expect.any(Number), to: expect.any(Number), limit: 50 })
    );
    const { from, to } = requests[0].params as { from: number; to: number };
    // "now-7d" and "now" are each resolved against the clock when the query is made, a few
    // milliseconds apart on a busy machine: the range is seven days, give or take those.
    expect(Math.abs(to - from - 7 * 24 * 3600 * 1000)).toBeLessThan(1000);
    expect(requests[0].params).not.toHaveProperty('cursor');

    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('older-pod / app')).toBeInTheDocument();
    expect(requests[1].params).toEqual(expect.objectContaining({ cursor: 'MTc5NTM0MzYwNDAwMDoy', limit: 50 }));
    expect(screen.getAllByRole('row')).toHaveLength(8);
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
  });

  it('sends the text filters and the status filter', async () => {
    renderPage();
    await screen.findAllByRole('row');
    await userEvent.type(screen.getByLabelText('Namespace'), 'shop');
    await userEvent.type(screen.getByLabelText('Node'), 'worker-1');
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await userEvent.click(screen.getByLabelText('Failed'));
    await screen.findAllByRole('row');
    const last = requests[requests.length - 1].params;
    expect(last).toEqual(expect.objectContaining({ namespace: 'shop', node: 'worker-1', status: 'failed' }));
    expect(last).not.toHaveProperty('pod');
  });

  it('folds the filters into one line that says what is in force, and unfolds them on demand', async () => {
    renderPage();
    await screen.findAllByRole('row');
    // jsdom applies no media query: the folded line is as on a wide screen, hidden (the browser
    // tier checks the narrow layout); its state and what it says are what is checked here.
    const toggle = screen.getByRole('button', { name: 'Filters', hidden: true });
    const folded = screen.getByTestId('filters-folded');
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(folded).toHaveTextContent('Last 7 days');
    const form = screen.getByRole('form', { name: 'Capture filters' });
    expect(toggle).toHaveAttribute('aria-controls', form.id);

    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await userEvent.type(screen.getByLabelText('Namespace'), 'shop');
    await userEvent.type(screen.getByLabelText('Pod'), '  ');
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await userEvent.click(screen.getByLabelText('Failed'));
    // Blank text filters are not in force; the summary is on hover too when a narrow line cuts it.
    const summary = await within(folded).findByText('namespace shop · failed · Last 7 days', {}, { timeout: 20000 });
    expect(summary).toHaveAttribute('title', 'namespace shop · failed · Last 7 days');
    expect(within(folded).getByRole('button', { name: 'Filters (2)', hidden: true })).toHaveAttribute(
      'aria-expanded',
      'true'
    );

    await userEvent.click(within(folded).getByRole('button', { name: 'Filters (2)', hidden: true }));
    expect(within(folded).getByRole('button', { name: 'Filters (2)', hidden: true })).toHaveAttribute(
      'aria-expanded',
      'false'
    );
    // A failure guard: six interactions take seconds on the shared machine.
  }, 120000);

  it('shows the backend error text', async () => {
    mockFetch.mockImplementation(routes({}));
    renderPage();
    expect(await screen.findByText('Could not load captures')).toBeInTheDocument();
    expect(screen.getByText(`unexpected request ${LIST}`)).toBeInTheDocument();
  });
});
