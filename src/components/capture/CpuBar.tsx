import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { formatCpu } from '../../utils/format';

interface Props {
  /** Over the sampling window; 100 = one core, the most one thread can use. */
  percent: number;
  cpuMs?: number;
}

/** A thread's CPU as a bar of one core, with the percentage beside it. */
export function CpuBar({ percent, cpuMs }: Props) {
  const styles = useStyles2(getStyles);
  const fill = Math.min(Math.max(percent, 0), 100);
  const color = percent >= 50 ? styles.hot : percent >= 10 ? styles.warm : styles.cool;
  return (
    <span
      className={styles.wrap}
      title={cpuMs !== undefined ? `${cpuMs} ms of CPU over the window; 100% = one core` : undefined}
    >
      <span
        className={styles.track}
        role="meter"
        aria-label="CPU"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={fill}
      >
        <span className={`${styles.fill} ${color}`} style={{ width: `${fill}%` }} />
      </span>
      <span className={styles.value}>{formatCpu(percent)}</span>
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
  hot: css({ background: theme.colors.error.main }),
  warm: css({ background: theme.colors.warning.main }),
  cool: css({ background: theme.colors.text.disabled }),
  value: css({
    flex: '0 0 auto',
    minWidth: '3.5em',
    textAlign: 'right',
    fontVariantNumeric: 'tabular-nums',
  }),
});
