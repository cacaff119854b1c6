import React from 'react';
import { Alert } from '@grafana/ui';
import type { CaptureDetail } from '../../api/types';
import { formatTime } from '../../utils/format';
import { humanizeByteCounts } from '../../utils/humanBytes';
import { reasonText } from '../../utils/reason';
import { TruncationWarning } from './TruncationWarning';

interface Props {
  capture: CaptureDetail;
}

/** Why a capture has no (complete) result: failed, skipped, still running or truncated. */
export function CaptureOutcome({ capture }: Props) {
  switch (capture.status) {
    case 'failed':
      return (
        <Alert severity="error" title="Capture failed">
          {humanizeByteCounts(capture.error) || 'No reason was recorded.'}
        </Alert>
      );
    case 'skipped':
      return (
        <Alert severity="warning" title="Capture skipped">
          {/* The reason's own "next capture allowed after" is the line below, said once. */}
          <div>{reasonText(capture, { time: formatTime }) || 'No reason was recorded.'}</div>
          {capture.nextAllowedAt !== null && (
            <div>
              <strong>Next capture allowed after {formatTime(capture.nextAllowedAt)}</strong>
            </div>
          )}
        </Alert>
      );
    case 'queued':
    case 'running':
      return (
        <Alert severity="info" title={capture.status === 'queued' ? 'Capture queued' : 'Capture running'}>
          This page updates when the capture finishes.
        </Alert>
      );
    default:
      return <TruncationWarning capture={capture} />;
  }
}
