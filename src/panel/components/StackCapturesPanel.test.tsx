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

  it('lists the captures of the time range with failed and skipped reasons visible', async () => {
    renderInRouter(<StackCapturesPanel {...props({})} />);
    const rows = await screen.findAllByRole('row');
    expect(rows).toHaveLength(7);
    expect(requests[0].params).toEqual({ from: FROM, to: TO, limit: 20 });
    expect(within(rows[5]).getByText('hot-spinner')).toBeInTheDocument();
    expect(within(rows[5]).getByText('99.5%')).toBeInTheDocument();
    expect(within(rows[5]).getByText('worker-1')).toBeInTheDocument();
    expect(within(rows[5]).getByRole('link')).toHaveAttribute('href', '/a/seed-stackcapture-app/captures/3');
    expect(within(rows[6]).getByText('failed')).toBeInTheDocument();
    expect(within(rows[6]).getByText(/forbidden: cannot create pods\/exec/)).toBeInTheDocument();
    expect(within(rows[4]).getByText('skipped')).toBeInTheDocument();
    expect(
      within(rows[4]).getByText(/cooldown: .* next capture allowed after 2026-11-22T10:43:25Z/)
    ).toBeInTheDocument();
  });

  it('interpolates template variables and filters by this dashboard and panel', async () => {
    renderInRouter(
      <StackCapturesPanel
        {...props({ namespace: '$namespace', pod: '$pod', linkedToDashboard: true, panelId: 1, maxRows: 5 })}
      />
    );
    await screen.findAllByRole('row');
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
    await screen.findAllByRole('row');
    rerender(inRouter('Q1'));
    await screen.findAllByRole('row');
    expect(requests).toHaveLength(1);
    rerender(inRouter('Q2'));
    await waitFor(() => expect(requests).toHaveLength(2));
  });

  it('queries again on the dashboard refresh event, which a panel without queries gets', async () => {
    const bus = new EventBusSrv();
    renderInRouter(<StackCapturesPanel {...props({}, 'Q1', bus)} />);
    await screen.findAllByRole('row');
    expect(requests).toHaveLength(1);
    bus.publish(new RefreshEvent());
    await waitFor(() => expect(requests).toHaveLength(2));
  });

  it('treats a variable set to All as no filter', async () => {
    renderInRouter(<StackCapturesPanel {...props({ namespace: '$all', pod: '$pod' })} />);
    await screen.findAllByRole('row');
    expect(requests[0].params).toEqual({ from: FROM, to: TO, pod: 'checkout-7d9f8c6b5-x2x4q', limit: 20 });
  });

  it('finds the dashboard UID in the URL when the panel data has no request', async () => {
    locationService.push('/d/lab-dash/jvm-cpu?orgId=1');
    renderInRouter(<StackCapturesPanel {...props({ linkedToDashboard: true }, 'Q1', new EventBusSrv(), undefined)} />);
    await screen.findAllByRole('row');
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
