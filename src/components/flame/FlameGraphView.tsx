// Why Grafana's own flame graph panel through PanelRenderer, not the @grafana/flamegraph package:
// - PanelRenderer comes from @grafana/runtime, which Grafana provides at run time (an external
//   of our bundle): the flame graph drawn is always the running Grafana's own, 12.4 or 13.x,
//   with its React (18 or 19) and theme. It adds nothing to module.js.
// - @grafana/flamegraph is not provided by Grafana: it would be bundled. It is published only
//   now and then (no 12.x release; the latest, 13.0.1, pins @grafana/ui and @grafana/data 13.0.1
//   as dependencies and declares peers react ^18 and @grafana/assistant), so our 12.4 build
//   would carry a 13.0 copy against 12.4's @grafana/ui at run time, and the Grafana 13 lane's
//   React 19 falls outside its peer range. Its own code plus d3, react-use and ufuzzy are
//   hundreds of KB minified for one view.
// The panel reads the data frame Grafana's flame graph reads anywhere (fields level, value,
// self, label: see flameTree.ts), so the tree is the same whichever way it is drawn.
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { getDefaultTimeRange, LoadingState, type GrafanaTheme2, type PanelData } from '@grafana/data';
import { PanelRenderer } from '@grafana/runtime';
import { useStyles2 } from '@grafana/ui';
import type { FlameNestedSet } from '../../api/types';
import { flameDataFrame } from './flameTree';
import { useElementWidth } from './useElementWidth';

/** The id of Grafana's built-in flame graph panel. */
export const FLAME_GRAPH_PANEL = 'flamegraph';

// Rows of the graph drawn before the panel scrolls; the header (search, view switch) above them.
const ROW_PX = 22;
const HEADER_PX = 120;
const MIN_HEIGHT = 320;
const MAX_HEIGHT = 720;

interface Props {
  tree: FlameNestedSet;
  title: string;
}

/** A call tree drawn by Grafana's flame graph panel, as wide as its container. */
export function FlameGraphView({ tree, title }: Props) {
  const styles = useStyles2(getStyles);
  const { ref, width } = useElementWidth<HTMLDivElement>(900);
  const data = useMemo<PanelData>(
    () => ({ state: LoadingState.Done, series: [flameDataFrame(tree, title)], timeRange: getDefaultTimeRange() }),
    [tree, title]
  );
  const depth = tree.levels.reduce((max, level) => Math.max(max, level), 0) + 1;
  const height = Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, HEADER_PX + depth * ROW_PX));
  return (
    <div ref={ref} className={styles.wrap} style={{ height }} data-testid="flame-graph">
      <PanelRenderer pluginId={FLAME_GRAPH_PANEL} title={title} data={data} width={width} height={height} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({
    width: '100%',
    minWidth: 0,
    overflow: 'hidden',
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
});
