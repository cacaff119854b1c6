import React from 'react';
import { formatCpu } from '../../utils/format';
import { ShareBar } from '../shared/ShareBar';

interface Props {
  /** Over the sampling window; 100 = one core, the most one thread can use. */
  percent: number;
  cpuMs?: number;
}

/** A thread's CPU as a bar of one core, with the percentage beside it. */
export function CpuBar({ percent, cpuMs }: Props) {
  return (
    <ShareBar
      share={percent / 100}
      label="CPU"
      text={formatCpu(percent)}
      title={cpuMs !== undefined ? `${cpuMs} ms of CPU over the window; 100% = one core` : undefined}
    />
  );
}
