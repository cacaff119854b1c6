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

/** Where and when the capture ran, with the download and copy-link actions. */
export function CaptureHeader({ capture }: Props) {
  const jvm = capture.processes.find((p) => p.jvm)?.jvm;
  const permalink = `${window.location.origin}${config.appSubUrl ?? ''}${capturePath(capture.id)}`;
  return (
    <Stack direction="column" gap={1}>
      <Stack direction="row" alignItems="center" wrap="wrap" gap={1}>
        <Text element="h2">{podContainer(capture.pod, capture.container)}</Text>
        <StatusBadge status={capture.status} reason={capture.error} />
      </Stack>
      <Text color="secondary">
        {capture.cluster && `cluster ${capture.cluster} · `}namespace {capture.namespace} · node{' '}
        {capture.node || 'unknown'} · {capture.trigger} capture by {capture.requestedBy || 'unknown'}
      </Text>
      <Text color="secondary">
        Created {formatTime(capture.createdAt)}
        {capture.finishedAt !== null && ` · finished ${formatTime(capture.finishedAt)}`}
        {capture.windowMs > 0 && ` · sampled over ${formatMs(capture.windowMs)}`}
      </Text>
      {jvm && <Text color="secondary">JVM {jvm}</Text>}
      <Stack direction="row" gap={1}>
        {capture.processes.length > 0 && (
          <LinkButton variant="secondary" icon="download-alt" href={rawDumpHref(capture.id)} download>
            Download raw dump
          </LinkButton>
        )}
        <ClipboardButton variant="secondary" icon="link" getText={() => permalink}>
          Copy link
        </ClipboardButton>
      </Stack>
    </Stack>
  );
}
