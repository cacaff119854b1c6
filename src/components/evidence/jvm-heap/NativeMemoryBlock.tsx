import React from 'react';
import { Stack, Text } from '@grafana/ui';
import type { JvmNativeMemory, PartFailure } from '../../../api/types';
import { formatMiB } from '../../../utils/evidence';

interface Props {
  nativeMemory?: JvmNativeMemory;
  /** Why the native memory summary is missing, when it is. */
  failure?: PartFailure;
}

/** Where the JVM's own memory goes (NMT), which the container's limit counts and the heap numbers do not. */
export function NativeMemoryBlock({ nativeMemory, failure }: Props) {
  if (!nativeMemory) {
    const off = !failure || failure.reason === 'nmt-off';
    return (
      <Text color="secondary" variant="bodySmall">
        Native memory:{' '}
        {off ? (
          <span title={failure?.message}>not enabled (-XX:NativeMemoryTracking=summary)</span>
        ) : (
          <span title={failure.message}>not read ({failure.reason})</span>
        )}
      </Text>
    );
  }
  const categories = [...(nativeMemory.categories ?? [])]
    .filter((c) => c.committedBytes > 0)
    .sort((a, b) => b.committedBytes - a.committedBytes);
  return (
    <Stack direction="column" gap={0}>
      <Text variant="bodySmall">
        Native memory (NMT): {formatMiB(nativeMemory.committedBytes)} committed of{' '}
        {formatMiB(nativeMemory.reservedBytes)} reserved
      </Text>
      <Text color="secondary" variant="bodySmall">
        {categories
          .slice(0, 8)
          .map((c) => `${c.name} ${formatMiB(c.committedBytes)}`)
          .join(' · ')}
      </Text>
    </Stack>
  );
}
