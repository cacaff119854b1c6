import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, Box, Stack, Text, useStyles2 } from '@grafana/ui';
import type { Thread } from '../../api/types';
import { formatCpu } from '../../utils/format';
import { Highlight } from '../shared/Highlight';
import { ThreadStateBadge } from '../shared/ThreadStateBadge';
import { StackFrames } from './StackFrames';

interface Props {
  /** The card's element id, which the ranked list and the deadlock line link to. */
  anchor: string;
  thread: Thread;
  rank: number;
  query: string;
}

/** One thread: rank, name, CPU, state and its stack. */
export function ThreadCard({ anchor, thread, rank, query }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <div id={anchor} tabIndex={-1} className={styles.anchor}>
      <Box padding={1} borderColor="weak" borderStyle="solid" borderRadius="default" data-testid="thread-card">
        <Stack direction="column" gap={1}>
          <Stack direction="row" alignItems="center" wrap="wrap" gap={1}>
            <Text color="secondary">#{rank}</Text>
            <Text weight="bold" element="h4">
              <Highlight text={thread.name} query={query} />
            </Text>
            <Badge
              text={`${formatCpu(thread.cpuPercent)} CPU`}
              color={thread.cpuPercent >= 50 ? 'red' : thread.cpuPercent >= 10 ? 'orange' : 'darkgrey'}
              tooltip={`${thread.cpuMs} ms of CPU over the window; 100% = one core`}
            />
            <ThreadStateBadge state={thread.state} info={thread.stateInfo} />
            {thread.stateInfo && <Text color="secondary">{thread.stateInfo}</Text>}
            <Text color="secondary" variant="bodySmall">
              nid {thread.nid} (0x{thread.nid.toString(16)}){thread.javaId !== undefined && ` · #${thread.javaId}`}
              {thread.daemon && ' · daemon'}
              {thread.priority !== undefined && ` · prio ${thread.priority}`}
            </Text>
          </Stack>
          {thread.inDump ? (
            <StackFrames thread={thread} query={query} />
          ) : (
            <Text color="secondary" italic>
              Seen in /proc only: not in the thread dump (a VM thread, or it ended during the window).
            </Text>
          )}
        </Stack>
      </Box>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  // Clear of Grafana's sticky top bar when scrolled to, and no focus ring on the whole card.
  anchor: css({
    scrollMarginTop: theme.spacing(10),
    '&:focus': { outline: 'none' },
  }),
});
