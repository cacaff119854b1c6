import React from 'react';
import { Alert } from '@grafana/ui';
import type { CaptureDetail } from '../../api/types';
import { humanizeByteCounts } from '../../utils/humanBytes';

interface Props {
  capture: CaptureDetail;
}

/**
 * One warning for a capture whose output was cut, whether the capture, a process or both say
 * so, with the processes' reasons in human units ("16 MiB", not "16777216 bytes").
 */
export function TruncationWarning({ capture }: Props) {
  const cut = capture.processes.filter((p) => p.truncated);
  if (!capture.truncated && cut.length === 0) {
    return null;
  }
  const several = capture.processes.length > 1;
  const reasons = cut
    .filter((p) => p.error)
    .map((p) => {
      const text = humanizeByteCounts(p.error ?? '');
      return several ? `PID ${p.pid}${p.container ? ` in ${p.container}` : ''}: ${text}` : text;
    });
  return (
    <Alert severity="warning" title="Output truncated">
      {reasons.length > 0
        ? reasons.map((r) => <div key={r}>{r}</div>)
        : "The probe's output reached the size limit (maxOutputBytes): some threads or stacks may be missing."}
    </Alert>
  );
}
