import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { StoryMoment } from '../../../api/types';
import { clockOf, offsetText, rfc3339Ms } from '../../../utils/evidence';

interface Props {
  moments: StoryMoment[];
  /** The alert's start, epoch ms: every moment says how long before or after it was. */
  alertMs?: number;
}

const KIND_LABEL: Record<string, string> = {
  alert: 'alert',
  started: 'started',
  terminated: 'terminated',
  restarts: 'restarts',
  event: 'event',
  capture: 'capture',
};

/**
 * The pod's story on one time axis, oldest first and newest last: the container's last
 * termination (OOMKilled at T), its restarts, the pod's events, the alert's start and the
 * capture, each with its time and its distance from the alert.
 */
export function StoryTimeline({ moments, alertMs }: Props) {
  const styles = useStyles2(getStyles);
  const timed = moments
    .map((m, i) => ({ m, i, ms: rfc3339Ms(m.time) }))
    .filter((x): x is { m: StoryMoment; i: number; ms: number } => x.ms !== undefined)
    .sort((a, b) => a.ms - b.ms || a.i - b.i);
  if (timed.length === 0) {
    return null;
  }
  return (
    <ol className={styles.axis} aria-label="Timeline">
      {timed.map(({ m, ms }, i) => (
        <li
          key={i}
          className={cx(
            styles.moment,
            m.warning && styles.warning,
            (m.kind === 'alert' || m.kind === 'capture') && styles.mark
          )}
          data-testid="timeline-moment"
          data-kind={m.kind}
        >
          <span
            className={cx(styles.dot, m.warning ? styles.dotWarning : m.kind === 'alert' ? styles.dotAlert : undefined)}
          />
          <time className={styles.time} dateTime={m.time} title={m.time}>
            {clockOf(ms)}
          </time>
          <span className={styles.offset}>{alertMs !== undefined ? offsetText(ms, alertMs) : ''}</span>
          <span className={styles.kind}>{KIND_LABEL[m.kind] ?? m.kind}</span>
          <span className={styles.text} title={m.text}>
            {m.text}
          </span>
        </li>
      ))}
    </ol>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  axis: css({
    listStyle: 'none',
    margin: 0,
    padding: theme.spacing(0, 0, 0, 1.5),
    position: 'relative',
    // The axis: one line through every moment's dot.
    '&::before': {
      content: '""',
      position: 'absolute',
      left: theme.spacing(1.5),
      top: theme.spacing(1),
      bottom: theme.spacing(1),
      borderLeft: `2px solid ${theme.colors.border.medium}`,
    },
  }),
  moment: css({
    position: 'relative',
    display: 'grid',
    gridTemplateColumns: '5em 4.5em 6.5em minmax(0, 1fr)',
    columnGap: theme.spacing(1),
    alignItems: 'baseline',
    padding: theme.spacing(0.25, 0, 0.25, 2),
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  mark: css({
    fontWeight: theme.typography.fontWeightMedium,
  }),
  warning: css({
    color: theme.colors.error.text,
  }),
  dot: css({
    position: 'absolute',
    left: `calc(${theme.spacing(-0.5)} + 1px)`,
    top: '0.6em',
    width: theme.spacing(1),
    height: theme.spacing(1),
    borderRadius: '50%',
    background: theme.colors.text.secondary,
  }),
  dotWarning: css({ background: theme.colors.error.main }),
  dotAlert: css({ background: theme.colors.warning.main }),
  time: css({ fontVariantNumeric: 'tabular-nums' }),
  offset: css({ color: theme.colors.text.secondary, fontVariantNumeric: 'tabular-nums', textAlign: 'right' }),
  kind: css({ color: theme.colors.text.secondary }),
  text: css({
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
});
