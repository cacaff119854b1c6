import React from 'react';
import { config } from '@grafana/runtime';
import { ClipboardButton, LinkButton, Stack, Text } from '@grafana/ui';
import { rawDumpHref } from '../../api/client';
import type { CaptureDetail } from '../../api/types';
import { capturePath } from '../../constants';
import { formatMs } from '../../utils/duration';
import { formatTime, podContainer } from '../../utils/format';
import { StatusBadge } from '../shared/StatusBadge';

interface Props {
  capture: CaptureDetail;
}

/**
 * Where and when the capture ran, with the download and copy-link actions, in two lines: the
 * busiest threads below must fit above the fold. The JVM is said once, with its stacks.
 */
export function CaptureHeader({ capture }: Props) {
  const permalink = `${window.location.origin}${config.appSubUrl ?? ''}${capturePath(capture.id)}`;
  return (
    <Stack direction="column" gap={0.5}>
      <Stack direction="row" alignItems="center" wrap="wrap" gap={1}>
        <Text element="h2" variant="h4">
          {podContainer(capture.pod, capture.container)}
        </Text>
        <StatusBadge status={capture.status} reason={capture.error} />
        <Stack direction="row" gap={1} flex={1} justifyContent="flex-end">
          {capture.processes.length > 0 && (
            <LinkButton size="sm" variant="secondary" icon="download-alt" href={rawDumpHref(capture.id)} download>
              Download raw dump
            </LinkButton>
          )}
          <ClipboardButton size="sm" variant="secondary" icon="link" getText={() => permalink}>
            Copy link
          </ClipboardButton>
        </Stack>
      </Stack>
      <Text color="secondary" variant="bodySmall">
        {capture.cluster && `cluster ${capture.cluster} · `}namespace {capture.namespace} · node{' '}
        {capture.node || 'unknown'} · {capture.trigger} capture by {capture.requestedBy || 'unknown'} · created{' '}
        {formatTime(capture.createdAt)}
        {capture.finishedAt !== null && `, finished ${formatTime(capture.finishedAt)}`}
        {capture.windowMs > 0 && ` · sampled over ${formatMs(capture.windowMs)}`}
        {capture.workload && ` · ${capture.workload.kind} ${capture.workload.name}`}
        {capture.focus && ` · focus ${capture.focus}`}
      </Text>
    </Stack>
  );
}
