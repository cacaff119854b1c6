// The only fake in the frontend tests: Grafana's HTTP transport (getBackendSrv().fetch).
// Components, API module and Grafana UI are real; requests are answered from fixtures.
import { of, throwError, type Observable } from 'rxjs';
import type { BackendSrvRequest, FetchResponse } from '@grafana/runtime';

export type Responder = (req: BackendSrvRequest) => unknown;

/** A reply that makes fetch fail like Grafana's backend_srv does, with a status and body. */
export class HttpFailure {
  constructor(
    readonly status: number,
    readonly data: unknown
  ) {}
}

/**
 * Builds a fetch implementation answering "METHOD path" keys (path without query), e.g.
 * "GET /api/plugins/seed-stackcapture-app/resources/captures". Unknown requests fail the test.
 */
export function routes(table: Record<string, Responder>) {
  return (req: BackendSrvRequest): Observable<FetchResponse<unknown>> => {
    const key = `${req.method ?? 'GET'} ${req.url}`;
    const responder = table[key];
    if (!responder) {
      return throwError(() => new Error(`unexpected request ${key}`));
    }
    const data = responder(req);
    if (data instanceof HttpFailure) {
      return throwError(() => ({ status: data.status, statusText: '', data: data.data }));
    }
    return of({
      data,
      status: 200,
      statusText: 'OK',
      ok: true,
      headers: new Headers(),
      redirected: false,
      type: 'basic',
      url: req.url,
      config: req,
    } as FetchResponse<unknown>);
  };
}
