import React from 'react';
import type { PanelRendererProps } from '@grafana/runtime';

/**
 * Where Grafana would draw one of its own panels (the flame graph): a box of the size the plugin
 * asks for, saying which panel and how much data it was given, so the layout around it is real.
 */
export function PanelPlaceholder({ pluginId, data, width, height }: PanelRendererProps) {
  const rows = data?.series[0]?.length ?? 0;
  return (
    <div
      data-testid="panel-placeholder"
      style={{ width, height, border: '1px dashed gray', boxSizing: 'border-box', padding: 8 }}
    >
      Grafana&apos;s {pluginId} panel draws here ({rows} rows of data)
    </div>
  );
}
