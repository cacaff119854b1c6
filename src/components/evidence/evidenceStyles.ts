import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

// The ranked tables of the evidence views: one grid per table for its header and rows, so
// columns line up without a <table>, the way the busiest threads are listed.
export const getEvidenceStyles = (theme: GrafanaTheme2) => ({
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  row: css({
    display: 'grid',
    alignItems: 'center',
    columnGap: theme.spacing(1.5),
    padding: theme.spacing(0.5, 1),
    minHeight: theme.spacing(4),
    '& + &': { borderTop: `1px solid ${theme.colors.border.weak}` },
  }),
  header: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    background: theme.colors.background.secondary,
  }),
  rank: css({
    color: theme.colors.text.secondary,
    fontVariantNumeric: 'tabular-nums',
  }),
  number: css({
    textAlign: 'right',
    fontVariantNumeric: 'tabular-nums',
    whiteSpace: 'nowrap',
  }),
  cut: css({
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  code: css({
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  secondary: css({
    color: theme.colors.text.secondary,
  }),
  pre: css({
    margin: 0,
    padding: theme.spacing(1),
    maxHeight: '24em',
    overflow: 'auto',
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
  }),
  fold: css({
    summary: {
      cursor: 'pointer',
      listStylePosition: 'inside',
    },
  }),
});
