import React from 'react';
import { Stack, Text } from '@grafana/ui';
import type { GoFuncStat, GoHeapSummary } from '../../../api/types';
import { formatCount, formatMiB } from '../../../utils/evidence';
import type { EvidenceViewProps } from '../types';
import { HeapTopTable } from './HeapTopTable';

function objectsByFunction(list: GoFuncStat[] | null): Map<string, number> {
  return new Map((list ?? []).map((f) => [f.function, f.flat]));
}

/**
 * A Go heap profile: what holds the memory still in use, and what allocated the most since
 * the program started (the churn the GC pays for), by function. The runtime samples
 * allocations, so small numbers are estimates, as of the last GC.
 */
export function GoHeapView({ summary }: EvidenceViewProps<GoHeapSummary>) {
  return (
    <Stack direction="column" gap={1}>
      <Text color="secondary" variant="bodySmall">
        <strong>{formatMiB(summary.inUseBytes)} in use</strong> ({formatCount(summary.inUseObjects)} objects) ·{' '}
        {formatMiB(summary.allocBytes)} allocated since start ({formatCount(summary.allocObjects)} objects) · sampled by
        the runtime, as of the last GC
      </Text>
      <HeapTopTable
        title="In use, by function"
        rows={summary.topInUseBytes ?? []}
        totalBytes={summary.inUseBytes}
        objects={objectsByFunction(summary.topInUseObjects)}
      />
      <HeapTopTable
        title="Allocated since start, by function"
        rows={summary.topAllocBytes ?? []}
        totalBytes={summary.allocBytes}
        objects={objectsByFunction(summary.topAllocObjects)}
      />
    </Stack>
  );
}
