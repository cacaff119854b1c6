import React from 'react';
import { cx } from '@emotion/css';
import { Stack, Text, useStyles2 } from '@grafana/ui';
import type { Process } from '../../api/types';
import { formatMs } from '../../utils/duration';
import { formatCpu } from '../../utils/format';
import { threadAnchor, type RankedThread } from '../../utils/ranking';
import { getBusiestStyles } from './busiestStyles';
import { BusyThreadRow } from './BusyThreadRow';
import { ThreadJumpLink } from './ThreadJumpLink';

/** Rows in the ranked list; the rest of the stored threads are in the stacks below. */
export const RANKED_ROWS = 10;

interface Props {
  process: Process;
  processIndex: number;
  ranked: RankedThread[];
  onJump: (anchor: string) => void;
  /** The id of the section with all thread cards, for "N more". */
  stacksAnchor: string;
}

/** The answer first: a JVM's busiest threads, one line each, linking to their stacks below. */
export function BusiestThreads({ process, processIndex, ranked, onJump, stacksAnchor }: Props) {
  const styles = useStyles2(getBusiestStyles);
  const stored = ranked.length;
  const total = Math.max(process.threadCount, stored);
  const rows = ranked.slice(0, RANKED_ROWS);
  const unstored = total - stored;
  return (
    <section aria-label={`Busiest threads of PID ${process.pid}`} data-testid="busiest-threads">
      <Stack direction="column" gap={0.5}>
        <Stack direction="row" alignItems="baseline" wrap="wrap" gap={1}>
          <Text element="h3" variant="h5">
            Busiest threads
          </Text>
          <Text color="secondary" variant="bodySmall">
            {stored < total ? `top ${stored} of ${total} threads` : `all ${total} threads`} by CPU · PID {process.pid}
            {process.container ? ` in ${process.container}` : ''} · {formatCpu(process.cpuPercent)} CPU over{' '}
            {formatMs(process.windowMs)}
            {unstored > 0 && ` · the other ${unstored} are in the raw dump`}
          </Text>
        </Stack>
        {rows.length === 0 ? (
          <Text color="secondary">No threads were recorded.</Text>
        ) : (
          <ol className={styles.list}>
            <li className={cx(styles.row, styles.header)} aria-hidden>
              <span>#</span>
              <span>Thread</span>
              <span>State</span>
              <span>CPU (100% = 1 core)</span>
              <span className={styles.frameHeading}>Top application frame</span>
            </li>
            {rows.map(({ thread, rank }) => (
              <BusyThreadRow
                key={rank}
                thread={thread}
                rank={rank}
                anchor={threadAnchor(processIndex, rank)}
                onJump={onJump}
              />
            ))}
          </ol>
        )}
        {stored > rows.length && (
          <Text variant="bodySmall">
            <ThreadJumpLink anchor={stacksAnchor} onJump={onJump}>
              {stored - rows.length} more threads with their stacks below
            </ThreadJumpLink>
          </Text>
        )}
      </Stack>
    </section>
  );
}
