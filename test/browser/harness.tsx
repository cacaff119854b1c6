// A page that mounts the plugin's real components in a real browser, as Grafana would, with
// the backend's contract fixtures as the only data. Which view: the URL's hash,
// #capture/<id> or #panel. Used by screenshots.ts; the base of a browser test tier.
import './bootdata';
import React from 'react';
import { createRoot } from 'react-dom/client';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { of, throwError, type Observable } from 'rxjs';
import {
  createTheme,
  dateTime,
  EventBusSrv,
  LoadingState,
  ThemeContext,
  type DataQueryRequest,
  type FieldConfigSource,
  type PanelData,
  type TimeRange,
} from '@grafana/data';
import { setBackendSrv, type BackendSrv, type BackendSrvRequest, type FetchResponse } from '@grafana/runtime';
import { GlobalStyles } from '@grafana/ui';
import CapturePage from '../../src/pages/CapturePage';
import { StackCapturesPanel } from '../../src/panel/components/StackCapturesPanel';
import { DEFAULT_OPTIONS } from '../../src/panel/types';
import { RESOURCES_URL } from '../../src/constants';
import { captureList, detailDone } from '../../src/test/fixtures';

const answers: Record<string, () => unknown> = {
  [`GET ${RESOURCES_URL}/captures`]: captureList,
  [`GET ${RESOURCES_URL}/captures/${detailDone().id}`]: detailDone,
};

function fetchFixture(req: BackendSrvRequest): Observable<FetchResponse<unknown>> {
  const key = `${req.method ?? 'GET'} ${req.url}`;
  const answer = answers[key];
  if (!answer) {
    return throwError(() => ({ status: 404, statusText: 'Not Found', data: `no fixture for ${key}` }));
  }
  return of({
    data: answer(),
    status: 200,
    statusText: 'OK',
    ok: true,
    headers: new Headers(),
    redirected: false,
    type: 'basic',
    url: req.url,
    config: req,
  } as FetchResponse<unknown>);
}

setBackendSrv({ fetch: fetchFixture } as unknown as BackendSrv);

function PanelView() {
  // The time range of the fixtures' captures.
  const times = captureList().captures.map((c) => c.createdAt);
  const timeRange: TimeRange = {
    from: dateTime(Math.min(...times) - 10 * 60_000),
    to: dateTime(Math.max(...times) + 10 * 60_000),
    raw: { from: 'now-1h', to: 'now' },
  };
  const data: PanelData = {
    state: LoadingState.Done,
    series: [],
    timeRange,
    request: { requestId: 'Q1', dashboardUID: 'stackcapture-jvm-cpu' } as DataQueryRequest,
  };
  const noop = () => undefined;
  return (
    <div style={{ width: 1240, height: 420, padding: 8 }}>
      <StackCapturesPanel
        id={2}
        data={data}
        timeRange={timeRange}
        timeZone="utc"
        options={{ ...DEFAULT_OPTIONS, linkedToDashboard: false }}
        transparent={false}
        width={1224}
        height={404}
        fieldConfig={{} as FieldConfigSource}
        renderCounter={0}
        title="Stack captures"
        eventBus={new EventBusSrv()}
        onOptionsChange={noop}
        onFieldConfigChange={noop}
        onChangeTimeRange={noop}
        replaceVariables={(s) => s}
      />
    </div>
  );
}

function View() {
  const [kind, arg] = window.location.hash.replace(/^#/, '').split('/');
  if (kind === 'panel') {
    // In Grafana the panel sits inside the app's router too: its rows link to captures.
    return (
      <MemoryRouter>
        <PanelView />
      </MemoryRouter>
    );
  }
  return (
    <MemoryRouter initialEntries={[`/captures/${arg || detailDone().id}`]}>
      <Routes>
        <Route path="captures/:id" element={<CapturePage />} />
      </Routes>
    </MemoryRouter>
  );
}

const theme = createTheme({ colors: { mode: 'dark' } });
const root = document.getElementById('root');
if (!root) {
  throw new Error('no #root element');
}
createRoot(root).render(
  <ThemeContext.Provider value={theme}>
    <GlobalStyles />
    <div style={{ padding: 16 }}>
      <View />
    </div>
  </ThemeContext.Provider>
);
