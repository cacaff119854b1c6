import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import { locationService, RefreshEvent } from '@grafana/runtime';
import { Alert, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { listCaptures } from '../../api/client';
import type { CaptureQuery, CaptureSummary } from '../../api/types';
import type { PanelOptions } from '../types';
import { ConnectContactPointHelp } from './ConnectContactPointHelp';
import { PanelCapturesTable } from './PanelCapturesTable';

type State = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'loaded'; captures: CaptureSummary[] };

/**
 * A variable set to "All" interpolates to its all-value, typically `.*` for Prometheus
 * queries; the captures API filters by exact name, so "all" means no filter.
 */
export function filterValue(interpolated: string): string {
  const v = interpolated.trim();
  return v === '.*' || v === '$__all' || v === '*' ? '' : v;
}

/** The dashboard UID in a `/d/<uid>/<slug>` path, for panels whose data carries no request. */
export function dashboardUidFromPath(pathname: string): string {
  const m = /(?:^|\/)d\/([^/?#]+)/.exec(pathname);
  return m ? m[1] : '';
}

/** Captures in the dashboard's time range, newest first. */
export function StackCapturesPanel({
  options,
  data,
  timeRange,
  timeZone,
  replaceVariables,
  renderCounter,
  eventBus,
  width,
  height,
}: PanelProps<PanelOptions>) {
  const styles = useStyles2(getStyles);
  const [state, setState] = useState<State>({ kind: 'loading' });
  // The panel has no queries of its own, so a dashboard refresh reaches it only as an event.
  const [refreshes, setRefreshes] = useState(0);
  useEffect(() => {
    const sub = eventBus.getStream(RefreshEvent).subscribe(() => setRefreshes((n) => n + 1));
    return () => sub.unsubscribe();
  }, [eventBus]);

  const from = timeRange.from.valueOf();
  const to = timeRange.to.valueOf();
  const namespace = filterValue(replaceVariables(options.namespace ?? ''));
  const pod = filterValue(replaceVariables(options.pod ?? ''));
  const container = filterValue(replaceVariables(options.container ?? ''));
  const dashboardUid = options.linkedToDashboard
    ? data.request?.dashboardUID || dashboardUidFromPath(locationService.getLocation().pathname)
    : '';
  const panelId = options.linkedToDashboard && options.panelId > 0 ? options.panelId : undefined;
  const limit = Math.min(Math.max(Math.trunc(options.maxRows) || 20, 1), 500);
  // A new query run or render of the dashboard (refresh button, auto refresh) re-queries.
  const refreshKey = `${data.request?.requestId ?? ''}:${renderCounter}:${refreshes}`;

  useEffect(() => {
    let cancelled = false;
    const query: CaptureQuery = { from, to, namespace, pod, container, dashboardUid, panelId, limit };
    listCaptures(query).then(
      (list) => !cancelled && setState({ kind: 'loaded', captures: list.captures }),
      (e: Error) => !cancelled && setState({ kind: 'error', message: e.message })
    );
    return () => {
      cancelled = true;
    };
  }, [from, to, namespace, pod, container, dashboardUid, panelId, limit, refreshKey]);

  let body: React.ReactNode;
  if (state.kind === 'loading') {
    body = <LoadingPlaceholder text="Loading captures…" />;
  } else if (state.kind === 'error') {
    body = (
      <Alert severity="error" title="Could not load captures">
        {state.message}
      </Alert>
    );
  } else if (options.linkedToDashboard && !dashboardUid) {
    body = (
      <Alert severity="info" title="Save the dashboard first">
        Captures are linked to alerts by dashboard UID; this dashboard has none yet.
      </Alert>
    );
  } else if (state.captures.length === 0) {
    body = <ConnectContactPointHelp />;
  } else {
    body = <PanelCapturesTable captures={state.captures} width={width} timeZone={timeZone} />;
  }

  return (
    <div className={styles.wrapper} style={{ width, height }}>
      {body}
    </div>
  );
}

const getStyles = (_theme: GrafanaTheme2) => ({
  wrapper: css({
    overflow: 'auto',
  }),
});
