import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

/** "heat" colours by the share itself (red from a half, amber from a tenth); the others are fixed. */
export type ShareBarTone = 'heat' | 'primary' | 'secondary' | 'success' | 'error';

interface Props {
  /** The part of the whole the bar fills, 0..1 (more is drawn full); null when not measured (an empty bar). */
  share: number | null;
  /** What the bar measures, for screen readers ("CPU", "flat CPU", "mean CPU share"). */
  label: string;
  /** The value written beside the bar ("93.4%", "64.0 MiB"). */
  text: string;
  title?: string;
  tone?: ShareBarTone;
}

/**
 * A value as a bar of its whole with the value beside it: a thread's CPU of one core, a
 * function's share of a profile, a class's share of the heap, a frame's mean share across
 * captures all read the same way.
 */
export function ShareBar({ share, label, text, title, tone = 'heat' }: Props) {
  const styles = useStyles2(getStyles);
  const measured = share !== null && Number.isFinite(share);
  const fill = measured ? Math.min(Math.max(share, 0), 1) * 100 : 0;
  const color =
    tone !== 'heat'
      ? styles[tone]
      : !measured
        ? styles.secondary
        : share >= 0.5
          ? styles.error
          : share >= 0.1
            ? styles.warning
            : styles.secondary;
  return (
    <span className={styles.wrap} title={title}>
      <span
        className={styles.track}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fill * 10) / 10}
        aria-valuetext={text}
      >
        <span className={`${styles.fill} ${color}`} style={{ width: `${fill}%` }} />
      </span>
      <span className={styles.value}>{text}</span>
    </span>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    minWidth: 0,
  }),
  track: css({
    flex: '1 1 auto',
    height: theme.spacing(1),
    minWidth: theme.spacing(3),
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    overflow: 'hidden',
  }),
  fill: css({
    display: 'block',
    height: '100%',
  }),
  primary: css({ background: theme.colors.primary.main }),
  secondary: css({ background: theme.colors.text.disabled }),
  success: css({ background: theme.colors.success.main }),
  warning: css({ background: theme.colors.warning.main }),
  error: css({ background: theme.colors.error.main }),
  value: css({
    flex: '0 0 auto',
    minWidth: '4.5em',
    textAlign: 'right',
    fontVariantNumeric: 'tabular-nums',
    whiteSpace: 'nowrap',
  }),
});
