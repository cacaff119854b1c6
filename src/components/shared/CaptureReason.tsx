import React from 'react';
import { Text } from '@grafana/ui';
import type { CaptureSummary } from '../../api/types';
import { formatTime } from '../../utils/format';

interface Props {
  capture: Pick<CaptureSummary, 'status' | 'error' | 'nextAllowedAt'>;
}

/** The inline reason of a failed or skipped capture; nothing for other statuses. */
export function CaptureReason({ capture }: Props) {
  if ((capture.status !== 'failed' && capture.status !== 'skipped') || !capture.error) {
    return null;
  }
  return (
    <Text element="p" variant="bodySmall" color={capture.status === 'failed' ? 'error' : 'warning'}>
      {capture.error}
      {capture.nextAllowedAt !== null && ` (next capture allowed ${formatTime(capture.nextAllowedAt)})`}
    </Text>
  );
}
