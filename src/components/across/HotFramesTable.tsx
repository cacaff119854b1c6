import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { locationUtil, type GrafanaTheme2 } from '@grafana/data';
import { InteractiveTable, TextLink, useStyles2, type Column } from '@grafana/ui';
import type { HotFrame } from '../../api/types';
import { capturePath } from '../../constants';
import { epochMs, formatShare } from '../../utils/acrossPaths';
import { formatTime } from '../../utils/format';
import { ShareBar } from '../shared/ShareBar';

interface Row extends HotFrame {
  rank: number;
}

interface Props {
  /** Ranked. */
  frames: HotFrame[];
  /** The captures of the workload in the range: what "in N of them" counts against. */
  captures: number;
}

/** A workload's hot frames: how often each came back, how hot, since when, and its last capture. */
export function HotFramesTable({ frames, captures }: Props) {
  const styles = useStyles2(getStyles);
  const rows = useMemo<Row[]>(() => frames.map((f, i) => ({ ...f, rank: i + 1 })), [frames]);
  const columns = useMemo<Array<Column<Row>>>(
    () => [
      { id: 'rank', header: '#', disableGrow: true, cell: ({ row: { original: r } }) => <span>{r.rank}</span> },
      {
        id: 'frame',
        header: 'Frame',
        cell: ({ row: { original: r } }) => (
          <span className={styles.frame} title={r.frame}>
            {r.frame}
          </span>
        ),
      },
      {
        id: 'captures',
        header: 'In captures',
        cell: ({ row: { original: r } }) => (
          <span className={styles.bar}>
            <ShareBar
              share={captures > 0 ? r.captures / captures : null}
              label="captures it was hot in"
              text={`${r.captures} of ${captures}`}
              tone="secondary"
            />
          </span>
        ),
      },
      {
        id: 'share',
        header: 'Mean CPU (100% = 1 core)',
        cell: ({ row: { original: r } }) => (
          <span className={styles.bar}>
            <ShareBar share={r.share} label="mean CPU" text={formatShare(r.share)} tone="error" />
          </span>
        ),
      },
      {
        id: 'firstSeen',
        header: 'First seen',
        disableGrow: true,
        cell: ({ row: { original: r } }) => <span className={styles.nowrap}>{formatTime(epochMs(r.firstSeen))}</span>,
      },
      {
        id: 'lastSeen',
        header: 'Last seen',
        disableGrow: true,
        cell: ({ row: { original: r } }) => <span className={styles.nowrap}>{formatTime(epochMs(r.lastSeen))}</span>,
      },
      {
        id: 'lastCapture',
        header: 'Last capture',
        disableGrow: true,
        cell: ({ row: { original: r } }) => (
          <span className={styles.nowrap}>
            <TextLink href={locationUtil.assureBaseUrl(capturePath(r.lastCaptureId))} inline={false}>
              {`Capture ${r.lastCaptureId}`}
            </TextLink>
          </span>
        ),
      },
    ],
    [styles, captures]
  );
  return <InteractiveTable columns={columns} data={rows} getRowId={(r) => r.frame} />;
}

const getStyles = (theme: GrafanaTheme2) => ({
  frame: css({
    display: 'block',
    minWidth: 0,
    maxWidth: '60ch',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  bar: css({
    display: 'block',
    minWidth: '12em',
  }),
  nowrap: css({
    whiteSpace: 'nowrap',
  }),
});
