import React from 'react';
import {
  dateTime,
  EventBusSrv,
  LoadingState,
  type DataQueryRequest,
  type FieldConfigSource,
  type PanelData,
  type TimeRange,
} from '@grafana/data';
import { StackCapturesPanel } from '../../src/panel/components/StackCapturesPanel';
import { DEFAULT_OPTIONS } from '../../src/panel/types';
import { captureList } from '../../src/test/fixtures';

// Grafana's panel chrome: the padding around a panel's content.
const PADDING = 8;

/** The panel as a dashboard shows it, filling the viewport: the viewport is the panel's size. */
export function PanelView() {
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
  const width = window.innerWidth - 2 * PADDING;
  const height = window.innerHeight - 2 * PADDING;
  const noop = () => undefined;
  return (
    <div style={{ width, height, padding: PADDING, boxSizing: 'content-box' }}>
      <StackCapturesPanel
        id={2}
        data={data}
        timeRange={timeRange}
        timeZone="utc"
        options={{ ...DEFAULT_OPTIONS, linkedToDashboard: false }}
        transparent={false}
        width={width}
        height={height}
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
