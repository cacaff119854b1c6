import React from 'react';
import { Alert, Stack, Text } from '@grafana/ui';
import type { Process } from '../../api/types';
import { formatMs } from '../../utils/duration';
import { formatCpu } from '../../utils/format';
import { DeadlockSection } from './DeadlockSection';
import { ThreadList } from './ThreadList';

interface Props {
  process: Process;
  query: string;
}

/** One JVM of the capture: its summary, warnings, deadlocks and ranked threads. */
export function ProcessView({ process, query }: Props) {
  return (
    <Stack direction="column" gap={2}>
      <Stack direction="column" gap={0.5}>
        <Text element="h3">
          PID {process.pid}
          {process.container ? ` in ${process.container}` : ''}
        </Text>
        {process.jvm && <Text color="secondary">{process.jvm}</Text>}
        {process.command && (
          <Text color="secondary" variant="code" truncate>
            {process.command}
          </Text>
        )}
        <Text color="secondary" variant="bodySmall">
          {formatCpu(process.cpuPercent)} CPU over {formatMs(process.windowMs)} · {process.threadCount} threads
          {process.dumpSource && ` · dump via ${process.dumpSource}`}
        </Text>
      </Stack>
      {(process.truncated || process.error) && (
        <Alert severity="warning" title={process.truncated ? 'Thread dump truncated' : 'Incomplete result'}>
          {process.error || 'The output was cut at the size limit; some threads may be missing.'}
        </Alert>
      )}
      <DeadlockSection deadlocks={process.deadlocks ?? []} />
      <ThreadList threads={process.threads ?? []} query={query} />
    </Stack>
  );
}
