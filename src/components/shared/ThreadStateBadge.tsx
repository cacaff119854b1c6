import React from 'react';
import { Badge, type BadgeColor } from '@grafana/ui';

const COLORS: Record<string, BadgeColor> = {
  RUNNABLE: 'green',
  BLOCKED: 'red',
  WAITING: 'orange',
  TIMED_WAITING: 'blue',
};

interface Props {
  state?: string;
  /** "(sleeping)", "(on object monitor)", ... */
  info?: string;
}

export function ThreadStateBadge({ state, info }: Props) {
  if (!state) {
    return <Badge text="VM thread" color="darkgrey" tooltip="Not a Java thread, or it ended before the dump" />;
  }
  return <Badge text={state} color={COLORS[state] ?? 'darkgrey'} tooltip={info || undefined} />;
}
