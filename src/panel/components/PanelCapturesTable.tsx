import React, { useMemo } from 'react';
import { cx } from '@emotion/css';
import { locationUtil } from '@grafana/data';
import { TextLink, useStyles2 } from '@grafana/ui';
import type { CaptureSummary } from '../../api/types';
import { StatusBadge } from '../../components/shared/StatusBadge';
import { capturePath } from '../../constants';
import { clockTimes, formatClock, formatTime, podContainer } from '../../utils/format';
import { getPanelTableStyles } from './panelTableStyles';
import { PanelResultCell } from './PanelResultCell';

/** Below this panel width the table drops to time, result and a status icon. */
export const NARROW_WIDTH = 480;

interface Props {
  captures: CaptureSummary[];
  /** The panel's width in px: it chooses the columns. */
  width: number;
  /** The dashboard's time zone. */
  timeZone?: string;
}

/**
 * The panel's captures, one line each: a dashboard panel is small (600×400 by default, 300 px
 * wide in a side column), so every cell is cut to one line with the full value on hover, the
 * date is said once per day, and the header stays while the rows scroll.
 */
export function PanelCapturesTable({ captures, width, timeZone }: Props) {
  const styles = useStyles2(getPanelTableStyles);
  const narrow = width < NARROW_WIDTH;
  const times = useMemo(
    () =>
      clockTimes(
        captures.map((c) => c.createdAt),
        timeZone
      ),
    [captures, timeZone]
  );
  const clock = (ms: number) => formatClock(ms, timeZone);
  const columns = narrow ? 3 : 5;

  return (
    <table className={cx(styles.table, narrow && styles.narrow)}>
      <colgroup>
        <col className={styles.timeCol} />
        {!narrow && <col />}
        {!narrow && <col className={styles.nodeCol} />}
        <col />
        <col className={narrow ? styles.iconCol : styles.statusCol} />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">Time</th>
          {!narrow && <th scope="col">Pod / container</th>}
          {!narrow && <th scope="col">Node</th>}
          <th scope="col">{narrow ? 'Top or reason' : 'Top thread or function'}</th>
          <th scope="col" aria-label="Status">
            {narrow ? '' : 'Status'}
          </th>
        </tr>
      </thead>
      <tbody>
        {captures.map((c, i) => {
          const { clock: time, day } = times[i];
          const where = `${c.namespace} / ${podContainer(c.pod, c.container)}${c.node ? ` on ${c.node}` : ''}`;
          return (
            <React.Fragment key={c.id}>
              {day && (
                <tr className={styles.dayRow} data-testid="day-row">
                  <th scope="colgroup" colSpan={columns}>
                    {day}
                  </th>
                </tr>
              )}
              <tr data-testid="capture-row" title={narrow ? where : undefined}>
                <td className={styles.cell}>
                  <TextLink href={locationUtil.assureBaseUrl(capturePath(c.id))} inline={false} variant="bodySmall">
                    <span title={formatTime(c.createdAt)}>{time}</span>
                  </TextLink>
                </td>
                {!narrow && (
                  <td className={styles.cell} title={where}>
                    <span className={styles.line}>
                      <span className={styles.shrink}>{c.pod}</span>
                      {c.container && <span className={styles.keep}>&nbsp;/ {c.container}</span>}
                    </span>
                  </td>
                )}
                {!narrow && (
                  <td className={styles.cell} title={c.node}>
                    <span className={styles.shrink}>{c.node || '—'}</span>
                  </td>
                )}
                <PanelResultCell capture={c} clock={clock} />
                <td className={styles.cell}>
                  <StatusBadge status={c.status} reason={c.error} iconOnly={narrow} />
                </td>
              </tr>
            </React.Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
