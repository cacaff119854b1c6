import React from 'react';
import { cx } from '@emotion/css';
import { useStyles2 } from '@grafana/ui';
import type { CaptureSummary } from '../../api/types';
import { nextAllowedText, reasonText } from '../../utils/reason';
import { topResult } from '../../utils/topResult';
import { getPanelTableStyles } from './panelTableStyles';

interface Props {
  capture: CaptureSummary;
  clock: (ms: number) => string;
}

/** The top thread or function of a done capture, or why a capture failed or was skipped, on one line. */
export function PanelResultCell({ capture: c, clock }: Props) {
  const styles = useStyles2(getPanelTableStyles);
  const top = topResult(c);
  if (top) {
    return (
      <td className={styles.cell} title={`${top.name} ${top.value}`.trim()}>
        <span className={styles.line} data-testid={`top-${top.what}`}>
          <span className={styles.shrink}>{top.name}</span>
          {top.value && <span className={cx(styles.keep, styles.secondary)}>&nbsp;{top.value}</span>}
        </span>
      </td>
    );
  }
  if ((c.status === 'failed' || c.status === 'skipped') && c.error) {
    const next = nextAllowedText(c, clock);
    return (
      <td className={styles.cell} title={c.error}>
        {/* The next allowed time leads: it is what a reader acts on, and the cut falls on the reason. */}
        <span className={cx(styles.shrink, c.status === 'failed' ? styles.error : styles.warning)}>
          {next && <span>{next} · </span>}
          <span data-testid="reason">{reasonText(c, { time: clock, dropTarget: true })}</span>
        </span>
      </td>
    );
  }
  return (
    <td className={cx(styles.cell, styles.secondary)}>
      <span className={styles.shrink}>—</span>
    </td>
  );
}
