import React from 'react';
import { Badge, Icon, useTheme2, type BadgeColor, type IconName } from '@grafana/ui';
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
  /** Only the status's icon, named by its label and title: for narrow columns. */
  iconOnly?: boolean;
}

export function StatusBadge({ status, reason, iconOnly = false }: Props) {
  const theme = useTheme2();
  const look = LOOK[status] ?? { color: 'darkgrey', icon: 'question-circle' };
  if (iconOnly) {
    const label = reason ? `${status}: ${reason}` : status;
    return (
      <span role="img" aria-label={status} title={label}>
        <Icon name={look.icon} color={theme.visualization.getColorByName(look.color)} />
      </span>
    );
  }
  return <Badge text={status} color={look.color} icon={look.icon} tooltip={reason || undefined} />;
}
