import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, type BadgeColor, useStyles2 } from '@grafana/ui';
import type { GoroutineGroup } from '../../../api/types';
import { formatCount, shortFile } from '../../../utils/evidence';
import { getEvidenceStyles } from '../evidenceStyles';

const STATE_COLORS: Record<string, BadgeColor> = {
  running: 'green',
  'chan receive': 'orange',
  'chan send': 'orange',
  select: 'blue',
  'IO wait': 'blue',
  sleep: 'blue',
};

interface Props {
  group: GoroutineGroup;
}

/** "×1000 chan receive main.worker": a group of goroutines with one stack, the stack folded below. */
export function GoroutineGroupRow({ group }: Props) {
  const styles = useStyles2(getEvidenceStyles);
  const own = useStyles2(getStyles);
  const stack = group.stack ?? [];
  const top = group.top || stack[0]?.function || 'no stack';
  const state = group.state.startsWith('sync.') ? 'red' : (STATE_COLORS[group.state] ?? 'darkgrey');
  return (
    <li className={own.item} data-testid="goroutine-group">
      <details className={styles.fold}>
        <summary className={own.summary}>
          <span className={own.count} title={`${formatCount(group.count)} goroutines with this stack`}>
            ×{group.count}
          </span>
          <Badge text={group.state} color={state} />
          <span className={styles.code} title={top}>
            {top}
          </span>
        </summary>
        <ol className={own.frames} aria-label={`Stack of ${top}`}>
          {stack.map((f, i) => (
            <li key={i} className={own.frame}>
              <span className={own.function}>{f.function}</span>{' '}
              <span className={styles.secondary} title={f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : undefined}>
                {shortFile(f.file, f.line)}
              </span>
            </li>
          ))}
          {group.stackCut && <li className={styles.secondary}>… deeper frames were left out</li>}
          {stack.length === 0 && <li className={styles.secondary}>no frames were recorded</li>}
        </ol>
        {group.labels && group.labels.length > 0 && (
          <div className={`${own.frames} ${styles.secondary}`}>labels: {group.labels.join(', ')}</div>
        )}
      </details>
    </li>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  item: css({
    padding: theme.spacing(0.5, 1),
    '& + &': { borderTop: `1px solid ${theme.colors.border.weak}` },
  }),
  summary: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    minWidth: 0,
    cursor: 'pointer',
    // A flex summary loses the browser's disclosure triangle: draw one, turned when open.
    '&::before': {
      content: '"▸"',
      color: theme.colors.text.secondary,
      width: '1em',
      flexShrink: 0,
    },
    'details[open] > &::before': {
      content: '"▾"',
    },
  }),
  count: css({
    minWidth: '4.5em',
    fontWeight: theme.typography.fontWeightMedium,
    fontVariantNumeric: 'tabular-nums',
  }),
  frames: css({
    listStyle: 'none',
    margin: theme.spacing(0.5, 0, 0.5, 3),
    padding: 0,
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  frame: css({
    overflowWrap: 'anywhere',
  }),
  function: css({
    color: theme.colors.text.primary,
  }),
});
