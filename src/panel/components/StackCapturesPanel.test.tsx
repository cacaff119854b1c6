import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { render, screen, waitFor, within } from '@testing-library/react';
import {
  dateTime,
  EventBusSrv,
  FieldConfigSource,
  LoadingState,
  type DataQueryRequest,
  type PanelData,
  type PanelProps,
  type TimeRange,
} from '@grafana/data';
import { locationService, RefreshEvent, type BackendSrvRequest } from '@grafana/runtime';
import { captureList } from '../../test/fixtures';
import { renderInRouter } from '../../test/renderInRouter';
import { routes } from '../../test/transport';
import { DEFAULT_OPTIONS, type PanelOptions } from '../types';
import { dashboardUidFromPath, filterValue, StackCapturesPanel } from './StackCapturesPanel';

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const LIST = 'GET /api/plugins/seed-stackcapture-app/resources/captures';
const FROM = 1795340000000;
const TO = 1795343700000;

function detailSkippedError(): string {
  const skipped = captureList().captures.find((c) => c.status === 'skipped');
  if (!skipped) {
    throw new Error('the list fixture has no skipped capture');
  }
  return skipped.error;
}

function props(
  options: Partial<PanelOptions>,
  requestId = 'Q1',
  eventBus = new EventBusSrv(),
  dashboardUID: string | undefined = 'lab-dash'
): PanelProps<PanelOptions> {
  const timeRange: TimeRange = { from: dateTime(FROM), to: dateTime(TO), raw: { from: 'now-1h', to: 'now' } };
  const data: PanelData = {
    state: LoadingState.Done,
    series: [],
    timeRange,
    request: { requestId, dashboardUID } as DataQueryRequest,
  };
  const vars: Record<string, string> = { $namespace: 'shop', $pod: 'checkout-7d9f8c6b5-x2x4q', $all: '.*' };
  return {
    id: 2,
    data,
    timeRange,
    timeZone: 'utc',
    options: { ...DEFAULT_OPTIONS, ...options },
    transparent: false,
    width: 600,
    height: 400,
    fieldConfig: {} as FieldConfigSource,
    renderCounter: 0,
    title: 'Stack captures',
    eventBus,
    onOptionsChange: jest.fn(),
    onFieldConfigChange: jest.fn(),
    onChangeTimeRange: jest.fn(),
    replaceVariables: (s: string) => s.replace(/\$\w+/g, (v) => vars[v] ?? v),
  };
}

describe('StackCapturesPanel', () => {
  let requests: BackendSrvRequest[];

  beforeEach(() => {
    requests = [];
    mockFetch.mockImplementation(
      routes({
        [LIST]: (req) => {
          requests.push(req);
          return captureList();
        },
      })
    );
  });

  it('lists the captures of the time range, one line each, with failed and skipped reasons', async () => {
    renderInRouter(<StackCapturesPanel {...props({})} />);
    const rows = await screen.findAllByTestId('capture-row');
    expect(rows).toHaveLength(6);
    expect(requests[0].params).toEqual({ from: FROM, to: TO, limit: 20 });
    expect(within(rows[4]).getByText('hot-spinner')).toBeInTheDocument();
    expect(within(rows[4]).getByText('99.5%')).toBeInTheDocument();
    expect(within(rows[4]).getByText('worker-1')).toBeInTheDocument();
    expect(within(rows[4]).getByRole('link')).toHaveAttribute('href', '/a/seed-stackcapture-app/captures/3');
    expect(within(rows[5]).getByText('failed')).toBeInTheDocument();
    expect(within(rows[5]).getByText(/forbidden: cannot create pods\/exec/)).toBeInTheDocument();
    expect(within(rows[3]).getByText('skipped')).toBeInTheDocument();
  });

  it("says a cooldown's next allowed time once, in the dashboard's time, with the full reason on hover", async () => {
    renderInRouter(<StackCapturesPanel {...props({})} />);
    const rows = await screen.findAllByTestId('capture-row');
    const skipped = rows[3];
    // The row shows the pod already; the reason's own RFC 3339 "allowed after" clause is dropped.
    expect(within(skipped).getByTestId('reason')).toHaveTextContent(/^cooldown: was captured at 10:33:25$/);
    expect(within(skipped).getByText(/next allowed 10:43:26/)).toBeInTheDocument();
    expect(skipped.textContent?.match(/10:43/g)).toHaveLength(1);
    expect(skipped.textContent).not.toMatch(/2026-11-22T/);
    const full = detailSkippedError();
    expect(within(skipped).getByTestId('reason').closest('td')).toHaveAttribute('title', full);
  });

  it('shows the time as 10:33:29 and the date once per day, newest first', async () => {
    const base = captureList().captures[4];
    const at = (id: number, iso: string) => ({ ...base, id, createdAt: Date.parse(iso) });
    mockFetch.mockImplementation(
      routes({
        [LIST]: () => ({
          captures: [
            at(4, '2026-11-23T00:00:05Z'),
            at(3, '2026-11-22T23:59:50Z'),
            at(2, '2026-11-22T23:59:40Z'),
            at(1, '2026-11-20T08:00:00Z'),
          ],
          nextCursor: '',
        }),
      })
    );
    const { container } = renderInRouter(<StackCapturesPanel {...props({})} />);
    await screen.findAllByTestId('capture-row');
    // Rows and day rows in document order: a date precedes the first row of each day only.
    const lines = Array.from(container.querySelectorAll('tbody tr')).map((tr) =>
      tr.getAttribute('data-testid') === 'day-row'
        ? `day ${tr.textContent}`
        : within(tr as HTMLElement).getByRole('link').textContent
    );
    expect(lines).toEqual([
      'day 2026-11-23',
      '00:00:05',
      'day 2026-11-22',
      '23:59:50',
      '23:59:40',
      'day 2026-11-20',
      '08:00:00',
    ]);
  });

  it("uses the dashboard's time zone", async () => {
    renderInRouter(<StackCapturesPanel {...{ ...props({}), timeZone: 'Asia/Tokyo' }} />);
    const rows = await screen.findAllByTestId('capture-row');
    // 10:33:29Z is 19:33:29 in Tokyo.
    expect(within(rows[0]).getByRole('link')).toHaveTextContent('19:33:29');
  });

  it('keeps pod and container on one line, cut with the full value on hover, under a sticky header', async () => {
    renderInRouter(<StackCapturesPanel {...props({})} />);
    const rows = await screen.findAllByTestId('capture-row');
    const pod = within(rows[2]).getByText('checkout-7d9f8c6b5-x2x4q').closest('td');
    expect(pod).toHaveAttribute('title', 'shop / checkout-7d9f8c6b5-x2x4q / app on worker-1');
    expect(pod?.textContent).toBe('checkout-7d9f8c6b5-x2x4q\u00a0/ app');
    expect(getComputedStyle(pod as HTMLElement).whiteSpace).toBe('nowrap');
    const header = screen.getByRole('columnheader', { name: 'Time' });
    expect(getComputedStyle(header).position).toBe('sticky');
    const head = screen.getAllByRole('rowgroup')[0];
    expect(
      within(head)
        .getAllByRole('columnheader')
        .map((h) => h.textContent)
    ).toEqual(['Time', 'Pod / container', 'Node', 'Top thread or function', 'Status']);
  });

  it('drops to time, result and a status icon in a narrow column', async () => {
    renderInRouter(<StackCapturesPanel {...{ ...props({}), width: 300 }} />);
    const rows = await screen.findAllByTestId('capture-row');
    const head = screen.getAllByRole('rowgroup')[0];
    expect(
      within(head)
        .getAllByRole('columnheader')
        .map((h) => h.getAttribute('aria-label') ?? h.textContent)
    ).toEqual(['Time', 'Top or reason', 'Status']);
    expect(within(rows[0]).getAllByRole('cell')).toHaveLength(3);
    expect(screen.queryByText('worker-1')).not.toBeInTheDocument();
    // Where the capture ran is on hover; the status is an icon named by its label.
    expect(rows[4]).toHaveAttribute('title', 'shop / checkout-7d9f8c6b5-x2x4q / app on worker-1');
    expect(within(rows[4]).getByText('hot-spinner')).toBeInTheDocument();
    expect(within(rows[4]).getByLabelText('done')).toBeInTheDocument();
    expect(within(rows[5]).getByLabelText('failed')).toBeInTheDocument();
    expect(within(rows[3]).getByText(/next allowed 10:43:26/)).toBeInTheDocument();
  });

  it('interpolates template variables and filters by this dashboard and panel', async () => {
    renderInRouter(
      <StackCapturesPanel
        {...props({ namespace: '$namespace', pod: '$pod', linkedToDashboard: true, panelId: 1, maxRows: 5 })}
      />
    );
    await screen.findAllByTestId('capture-row');
    expect(requests[0].params).toEqual({
      from: FROM,
      to: TO,
      namespace: 'shop',
      pod: 'checkout-7d9f8c6b5-x2x4q',
      dashboardUid: 'lab-dash',
      panelId: 1,
      limit: 5,
    });
  });

  it('queries again when the dashboard refreshes, not on every render', async () => {
    const inRouter = (requestId: string) => (
      <MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <StackCapturesPanel {...props({}, requestId)} />
      </MemoryRouter>
    );
    const { rerender } = render(inRouter('Q1'));
    await screen.findAllByTestId('capture-row');
    rerender(inRouter('Q1'));
    await screen.findAllByTestId('capture-row');
    expect(requests).toHaveLength(1);
    rerender(inRouter('Q2'));
    await waitFor(() => expect(requests).toHaveLength(2));
  });

  it('queries again on the dashboard refresh event, which a panel without queries gets', async () => {
    const bus = new EventBusSrv();
    renderInRouter(<StackCapturesPanel {...props({}, 'Q1', bus)} />);
    await screen.findAllByTestId('capture-row');
    expect(requests).toHaveLength(1);
    bus.publish(new RefreshEvent());
    await waitFor(() => expect(requests).toHaveLength(2));
  });

  it('treats a variable set to All as no filter', async () => {
    renderInRouter(<StackCapturesPanel {...props({ namespace: '$all', pod: '$pod' })} />);
    await screen.findAllByTestId('capture-row');
    expect(requests[0].params).toEqual({ from: FROM, to: TO, pod: 'checkout-7d9f8c6b5-x2x4q', limit: 20 });
  });

  it('finds the dashboard UID in the URL when the panel data has no request', async () => {
    locationService.push('/d/lab-dash/jvm-cpu?orgId=1');
    renderInRouter(<StackCapturesPanel {...props({ linkedToDashboard: true }, 'Q1', new EventBusSrv(), undefined)} />);
    await screen.findAllByTestId('capture-row');
    expect(requests[0].params).toEqual({ from: FROM, to: TO, dashboardUid: 'lab-dash', limit: 20 });
  });

  it('explains how to connect the contact point when there are no captures', async () => {
    mockFetch.mockImplementation(routes({ [LIST]: () => ({ captures: [], nextCursor: '' }) }));
    renderInRouter(<StackCapturesPanel {...props({})} />);
    expect(await screen.findByText('No thread captures in this time range')).toBeInTheDocument();
    expect(
      screen.getByText('http://localhost/api/plugins/seed-stackcapture-app/resources/webhook')
    ).toBeInTheDocument();
    expect(screen.getByText('authorization_credentials')).toBeInTheDocument();
    expect(screen.getByText('Editor')).toBeInTheDocument();
  });
});

describe('filterValue and dashboardUidFromPath', () => {
  it.each([
    ['.*', ''],
    ['$__all', ''],
    [' shop ', 'shop'],
    ['', ''],
  ])('filterValue(%j) = %j', (input, want) => expect(filterValue(input)).toBe(want));

  it.each([
    ['/d/lab-dash/jvm-cpu', 'lab-dash'],
    ['/grafana/d/abc', 'abc'],
    ['/a/seed-stackcapture-app/captures', ''],
    ['/dashboards', ''],
  ])('dashboardUidFromPath(%j) = %j', (input, want) => expect(dashboardUidFromPath(input)).toBe(want));
});
