import React from 'react';
import { Badge, type BadgeColor, type IconName } from '@grafana/ui';
import type { CaptureStatus } from '../../api/types';

const LOOK: Record<CaptureStatus, { color: BadgeColor; icon: IconName }> = {
  queued: { color: 'blue', icon: 'clock-nine' },
  running: { color: 'purple', icon: 'sync' },
  done: { color: 'green', icon: 'check' },
  failed: { color: 'red', icon: 'exclamation-triangle' },
  skipped: { color: 'orange', icon: 'forward' },
};

interface Props {
  status: CaptureStatus;
  /** Shown as the badge's tooltip, e.g. why a capture failed. */
  reason?: string;
}

export function StatusBadge({ status, reason }: Props) {
  const look = LOOK[status] ?? { color: 'darkgrey', icon: 'question-circle' };
  return <Badge text={status} color={look.color} icon={look.icon} tooltip={reason || undefined} />;
}
