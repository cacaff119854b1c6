import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

// Styles of the panel's one-line table, shared by the table and its cells.
export const getPanelTableStyles = (theme: GrafanaTheme2) => ({
  table: css({
    width: '100%',
    tableLayout: 'fixed',
    borderCollapse: 'separate',
    borderSpacing: 0,
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': {
      padding: theme.spacing(0.5, 1),
      textAlign: 'left',
      whiteSpace: 'nowrap',
      overflow: 'hidden',
      borderBottom: `1px solid ${theme.colors.border.weak}`,
    },
    'thead th': {
      position: 'sticky',
      top: 0,
      zIndex: 1,
      background: theme.colors.background.primary,
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightMedium,
      borderBottom: `1px solid ${theme.colors.border.medium}`,
    },
  }),
  narrow: css({
    'th, td': {
      padding: theme.spacing(0.5, 0.5),
    },
  }),
  timeCol: css({ width: '72px' }),
  nodeCol: css({ width: '76px' }),
  statusCol: css({ width: '96px' }),
  iconCol: css({ width: '32px' }),
  dayRow: css({
    th: {
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightRegular,
      background: theme.colors.background.secondary,
    },
  }),
  cell: css({
    maxWidth: 0,
  }),
  line: css({
    display: 'flex',
    minWidth: 0,
  }),
  shrink: css({
    display: 'block',
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  keep: css({
    flexShrink: 0,
    whiteSpace: 'nowrap',
  }),
  secondary: css({ color: theme.colors.text.secondary }),
  error: css({ color: theme.colors.error.text }),
  warning: css({ color: theme.colors.warning.text }),
});
