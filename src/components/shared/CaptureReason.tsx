import React from 'react';
import { Text } from '@grafana/ui';
import type { CaptureSummary } from '../../api/types';
import { formatTime } from '../../utils/format';
import { reasonText } from '../../utils/reason';

interface Props {
  capture: Pick<CaptureSummary, 'status' | 'error' | 'nextAllowedAt' | 'namespace' | 'pod' | 'container'>;
}

/**
 * The inline reason of a failed or skipped capture; nothing for other statuses. The time of the
 * next allowed capture is said once, from nextAllowedAt, not again from the reason's own text.
 */
export function CaptureReason({ capture }: Props) {
  if ((capture.status !== 'failed' && capture.status !== 'skipped') || !capture.error) {
    return null;
  }
  return (
    <Text element="p" variant="bodySmall" color={capture.status === 'failed' ? 'error' : 'warning'}>
      {reasonText(capture, { time: formatTime })}
      {capture.nextAllowedAt !== null && ` (next capture allowed ${formatTime(capture.nextAllowedAt)})`}
    </Text>
  );
}
