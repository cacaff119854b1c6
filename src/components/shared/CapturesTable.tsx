import React, { useMemo } from 'react';
import { locationUtil, type GrafanaTheme2 } from '@grafana/data';
import { css } from '@emotion/css';
import { InteractiveTable, Stack, Text, TextLink, useStyles2, type Column } from '@grafana/ui';
import type { CaptureSummary } from '../../api/types';
import { capturePath } from '../../constants';
import { formatTime, podContainer } from '../../utils/format';
import { topResult } from '../../utils/topResult';
import { CaptureReason } from './CaptureReason';
import { StatusBadge } from './StatusBadge';

interface Props {
  captures: CaptureSummary[];
}

/**
 * The captures page's table, newest first; the time links to the capture's page. Time, node and
 * status keep one line. On a narrow screen the node moves under the pod, beside the namespace, and
 * the status under the time, so the top thread or reason fits without scrolling sideways.
 */
export function CapturesTable({ captures }: Props) {
  const styles = useStyles2(getStyles);
  const columns = useMemo<Array<Column<CaptureSummary>>>(
    () => [
      {
        id: 'createdAt',
        header: 'Time',
        disableGrow: true,
        cell: ({ row: { original: c } }) => (
          <>
            <span className={styles.nowrap}>
              <TextLink href={locationUtil.assureBaseUrl(capturePath(c.id))} inline={false}>
                {formatTime(c.createdAt)}
              </TextLink>
            </span>
            <span className={styles.statusUnderTime}>
              <StatusBadge status={c.status} reason={c.error} />
            </span>
          </>
        ),
      },
      {
        id: 'pod',
        header: 'Pod / container',
        cell: ({ row: { original: c } }) => (
          <Stack direction="column" gap={0}>
            <span className={styles.pod} title={podContainer(c.pod, c.container)}>
              {podContainer(c.pod, c.container)}
            </span>
            <Text variant="bodySmall" color="secondary">
              {c.namespace}
              <span className={styles.nodeUnderPod}> · {c.node || 'node unknown'}</span>
            </Text>
          </Stack>
        ),
      },
      {
        id: 'node',
        header: 'Node',
        disableGrow: true,
        cell: ({ row: { original: c } }) => <span className={styles.nowrap}>{c.node || '—'}</span>,
      },
      {
        id: 'topThread',
        // A capture has a top thread or a reason, never both: they share the column that grows.
        header: 'Top thread or reason',
        cell: ({ row: { original: c } }) => {
          const top = topResult(c);
          return top ? (
            <Text>
              {top.name} <Text color="secondary">{top.value}</Text>
            </Text>
          ) : c.status === 'failed' || c.status === 'skipped' ? (
            <CaptureReason capture={c} />
          ) : (
            <Text color="secondary">—</Text>
          );
        },
      },
      {
        id: 'status',
        header: 'Status',
        disableGrow: true,
        cell: ({ row: { original: c } }) => <StatusBadge status={c.status} reason={c.error} />,
      },
    ],
    [styles]
  );
  return (
    <div className={styles.table}>
      <InteractiveTable columns={columns} data={captures} getRowId={(c) => String(c.id)} />
    </div>
  );
}

// The Node and Status columns' places in columns above.
const NODE_COLUMN = 3;
const STATUS_COLUMN = 5;

const getStyles = (theme: GrafanaTheme2) => ({
  table: css({
    [theme.breakpoints.down('md')]: {
      [`th:nth-child(${NODE_COLUMN}), td:nth-child(${NODE_COLUMN}), th:nth-child(${STATUS_COLUMN}), td:nth-child(${STATUS_COLUMN})`]:
        { display: 'none' },
    },
  }),
  statusUnderTime: css({
    display: 'none',
    [theme.breakpoints.down('md')]: { display: 'block', marginTop: theme.spacing(0.5) },
  }),
  nodeUnderPod: css({
    display: 'none',
    [theme.breakpoints.down('md')]: { display: 'inline' },
  }),
  nowrap: css({
    whiteSpace: 'nowrap',
  }),
  // Pod names break badly at their hyphens: one line, cut with the full name on hover when very long.
  pod: css({
    display: 'block',
    maxWidth: '40ch',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
});
