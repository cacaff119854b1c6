import React, { useMemo } from 'react';
import { locationUtil } from '@grafana/data';
import { InteractiveTable, Stack, Text, TextLink, type Column } from '@grafana/ui';
import type { CaptureSummary } from '../../api/types';
import { capturePath } from '../../constants';
import { formatCpu, formatTime, podContainer } from '../../utils/format';
import { CaptureReason } from './CaptureReason';
import { StatusBadge } from './StatusBadge';

interface Props {
  captures: CaptureSummary[];
}

/** Captures newest first; the time links to the capture's page. */
export function CapturesTable({ captures }: Props) {
  const columns = useMemo<Array<Column<CaptureSummary>>>(
    () => [
      {
        id: 'createdAt',
        header: 'Time',
        cell: ({ row: { original: c } }) => (
          <TextLink href={locationUtil.assureBaseUrl(capturePath(c.id))} inline={false}>
            {formatTime(c.createdAt)}
          </TextLink>
        ),
      },
      {
        id: 'pod',
        header: 'Pod / container',
        cell: ({ row: { original: c } }) => (
          <Stack direction="column" gap={0}>
            <Text>{podContainer(c.pod, c.container)}</Text>
            <Text variant="bodySmall" color="secondary">
              {c.namespace}
            </Text>
          </Stack>
        ),
      },
      { id: 'node', header: 'Node', cell: ({ row: { original: c } }) => <Text>{c.node || '—'}</Text> },
      {
        id: 'topThread',
        header: 'Top thread',
        cell: ({ row: { original: c } }) =>
          c.topThread ? (
            <Text>
              {c.topThread.name} <Text color="secondary">{formatCpu(c.topThread.cpuPercent)}</Text>
            </Text>
          ) : (
            <Text color="secondary">—</Text>
          ),
      },
      {
        id: 'status',
        header: 'Status',
        cell: ({ row: { original: c } }) => (
          <Stack direction="column" gap={0.5} alignItems="flex-start">
            <StatusBadge status={c.status} reason={c.error} />
            <CaptureReason capture={c} />
          </Stack>
        ),
      },
    ],
    []
  );
  return <InteractiveTable columns={columns} data={captures} getRowId={(c) => String(c.id)} />;
}
