import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

interface Props {
  /** The part of the whole the bar fills, 0..1 (more is drawn full). */
  share: number;
  /** What the bar measures, for screen readers ("flat CPU", "bytes"). */
  label: string;
  /** The value written beside the bar ("93.4%", "64.0 MiB"). */
  text: string;
  title?: string;
}

/** A value as a bar of its whole, with the value written beside it. */
export function ShareBar({ share, label, text, title }: Props) {
  const styles = useStyles2(getStyles);
  const fill = Math.min(Math.max(share, 0), 1) * 100;
  const color = share >= 0.5 ? styles.hot : share >= 0.1 ? styles.warm : styles.cool;
  return (
    <span className={styles.wrap} title={title}>
      <span
        className={styles.track}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fill)}
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
  hot: css({ background: theme.colors.error.main }),
  warm: css({ background: theme.colors.warning.main }),
  cool: css({ background: theme.colors.text.disabled }),
  value: css({
    flex: '0 0 auto',
    minWidth: '4.5em',
    textAlign: 'right',
    fontVariantNumeric: 'tabular-nums',
    whiteSpace: 'nowrap',
  }),
});
