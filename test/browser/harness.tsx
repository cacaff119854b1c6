// A page that mounts the plugin's real components in a real browser, as Grafana would, with
// the backend's contract fixtures as the only data. The URL's hash says which view of views.tsx
// and which theme: #<view>/<light|dark>. window.harnessViews lists the views for check.ts.
import './bootdata';
import React from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { throwError, of, type Observable } from 'rxjs';
import { createTheme, ThemeContext } from '@grafana/data';
import { setBackendSrv, type BackendSrv, type BackendSrvRequest, type FetchResponse } from '@grafana/runtime';
import { GlobalStyles } from '@grafana/ui';
import { harnessLocation } from './location';
import { PROBES, VIEWS, type ViewSpec } from './views';

declare global {
  interface Window {
    harnessViews: ViewSpec[];
  }
}

// The mounted view's fixture answers, by "METHOD url": each view answers only its own requests.
let answers: Record<string, () => unknown> = {};

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

const ALL = [...PROBES, ...VIEWS];
window.harnessViews = ALL.map(({ render: _render, ...spec }) => spec);

function rootElement(): HTMLElement {
  const element = document.getElementById('root');
  if (!element) {
    throw new Error('no #root element');
  }
  return element;
}

const container = rootElement();
let root: Root | undefined;

// Mounts the view the hash names, afresh: the driver changes the hash rather than reloading the
// page, so the bundle is parsed once for every render. data-harness says which mount is showing.
function mount() {
  root?.unmount();
  root = undefined;
  const { view: name, theme: mode, key } = harnessLocation();
  const view = ALL.find((v) => v.name === name);
  answers = view?.answers ?? {};
  if (!view) {
    if (name !== '') {
      throw new Error(`no view ${name}: the harness has ${ALL.map((v) => v.name).join(', ')}`);
    }
    return;
  }
  root = createRoot(container);
  root.render(
    <ThemeContext.Provider value={createTheme({ colors: { mode } })}>
      <GlobalStyles />
      <div data-harness={key}>{view.render()}</div>
    </ThemeContext.Provider>
  );
}

window.addEventListener('hashchange', mount);
mount();
