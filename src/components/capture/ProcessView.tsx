import React from 'react';
import { Alert, Stack, Text } from '@grafana/ui';
import type { Process } from '../../api/types';
import type { RankedThread } from '../../utils/ranking';
import { ThreadList } from './ThreadList';

interface Props {
  process: Process;
  processIndex: number;
  ranked: RankedThread[];
  query: string;
  /** A rank whose card must be rendered, e.g. after a jump to it. */
  revealRank?: number;
}

/** One JVM's stacks: what it is (said once on the page) and its thread cards, busiest first. */
export function ProcessView({ process, processIndex, ranked, query, revealRank }: Props) {
  return (
    <Stack direction="column" gap={1}>
      <Stack direction="column" gap={0}>
        <Text element="h4">
          PID {process.pid}
          {process.container ? ` in ${process.container}` : ''} · {process.threadCount} threads
          {process.dumpSource && ` · dump via ${process.dumpSource}`}
        </Text>
        {process.jvm && (
          <Text color="secondary" variant="bodySmall">
            JVM {process.jvm}
          </Text>
        )}
        {process.command && (
          <Text color="secondary" variant="code" truncate>
            {process.command}
          </Text>
        )}
      </Stack>
      {process.error && !process.truncated && (
        <Alert severity="warning" title="Incomplete result">
          {process.error}
        </Alert>
      )}
      <ThreadList ranked={ranked} processIndex={processIndex} query={query} revealRank={revealRank} />
    </Stack>
  );
}
