import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

interface Props {
  /** 0..1; null when not measured (an empty bar). */
  ratio: number | null;
  /** What the bar measures, for assistive technology ("mean CPU share"). */
  label: string;
  /** The text beside the bar. */
  text: string;
  /** The bar's color: the frame's emphasis. */
  tone?: 'primary' | 'secondary' | 'success' | 'error';
}

/** A ratio as a bar of the cell's width with its value beside it. */
export function ShareBar({ ratio, label, text, tone = 'primary' }: Props) {
  const styles = useStyles2(getStyles);
  const fill = ratio === null || !Number.isFinite(ratio) ? 0 : Math.min(Math.max(ratio, 0), 1) * 100;
  return (
    <span className={styles.wrap}>
      <span
        className={styles.track}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fill)}
        aria-valuetext={text}
      >
        <span className={`${styles.fill} ${styles[tone]}`} style={{ width: `${fill}%` }} />
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
    minWidth: theme.spacing(4),
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
  error: css({ background: theme.colors.error.main }),
  value: css({
    flex: '0 0 auto',
    minWidth: '4.5em',
    textAlign: 'right',
    fontVariantNumeric: 'tabular-nums',
    whiteSpace: 'nowrap',
  }),
});
