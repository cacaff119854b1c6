import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

// One grid for the ranked list's header and rows, so the columns line up without a table.
const COLUMNS = '2.5em minmax(8em, 1.2fr) 8.5em minmax(7em, 10em) minmax(8em, 2fr)';

export const getBusiestStyles = (theme: GrafanaTheme2) => ({
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  row: css({
    display: 'grid',
    gridTemplateColumns: COLUMNS,
    alignItems: 'center',
    columnGap: theme.spacing(1.5),
    padding: theme.spacing(0.5, 1),
    minHeight: theme.spacing(4),
    '& + &': { borderTop: `1px solid ${theme.colors.border.weak}` },
    [theme.breakpoints.down('md')]: {
      gridTemplateColumns: '2.5em minmax(0, 1fr) 8.5em 8em',
      rowGap: theme.spacing(0.25),
    },
  }),
  header: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    background: theme.colors.background.secondary,
  }),
  // Below md the frame takes a line of its own under the name, and so does its heading: in the
  // 2.5em rank column it wrapped onto three lines and pushed the busiest thread below a 400 px fold.
  frameHeading: css({
    [theme.breakpoints.down('md')]: {
      gridColumn: '2 / -1',
    },
  }),
  rank: css({
    color: theme.colors.text.secondary,
    fontVariantNumeric: 'tabular-nums',
  }),
  cut: css({
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  frame: css({
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    [theme.breakpoints.down('md')]: {
      gridColumn: '2 / -1',
    },
  }),
  none: css({
    color: theme.colors.text.secondary,
    fontStyle: 'italic',
  }),
  source: css({
    color: theme.colors.text.secondary,
  }),
});
