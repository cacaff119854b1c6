import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import { Alert, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { listCaptures } from '../../api/client';
import type { CaptureQuery, CaptureSummary } from '../../api/types';
import { CapturesTable } from '../../components/shared/CapturesTable';
import type { PanelOptions } from '../types';
import { ConnectContactPointHelp } from './ConnectContactPointHelp';

type State = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'loaded'; captures: CaptureSummary[] };

/** Captures in the dashboard's time range, newest first. */
export function StackCapturesPanel({
  options,
  data,
  timeRange,
  replaceVariables,
  renderCounter,
  width,
  height,
}: PanelProps<PanelOptions>) {
  const styles = useStyles2(getStyles);
  const [state, setState] = useState<State>({ kind: 'loading' });

  const from = timeRange.from.valueOf();
  const to = timeRange.to.valueOf();
  const namespace = replaceVariables(options.namespace ?? '').trim();
  const pod = replaceVariables(options.pod ?? '').trim();
  const container = replaceVariables(options.container ?? '').trim();
  const dashboardUid = options.linkedToDashboard ? (data.request?.dashboardUID ?? '') : '';
  const panelId = options.linkedToDashboard && options.panelId > 0 ? options.panelId : undefined;
  const limit = Math.min(Math.max(Math.trunc(options.maxRows) || 20, 1), 500);
  // A new query run or render of the dashboard (refresh button, auto refresh) re-queries.
  const refreshKey = `${data.request?.requestId ?? ''}:${renderCounter}`;

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
    body = <CapturesTable captures={state.captures} />;
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
