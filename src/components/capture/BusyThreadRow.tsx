import React from 'react';
import { cx } from '@emotion/css';
import { useStyles2 } from '@grafana/ui';
import type { Thread } from '../../api/types';
import { isJdkFrame, topAppFrame } from '../../utils/frames';
import { ThreadStateBadge } from '../shared/ThreadStateBadge';
import { getBusiestStyles } from './busiestStyles';
import { CpuBar } from './CpuBar';
import { ThreadJumpLink } from './ThreadJumpLink';

interface Props {
  thread: Thread;
  rank: number;
  anchor: string;
  onJump: (anchor: string) => void;
}

/** One line of the ranked list: rank, name (to its card), state, CPU and where in the application it is. */
export function BusyThreadRow({ thread, rank, anchor, onJump }: Props) {
  const styles = useStyles2(getBusiestStyles);
  const frame = topAppFrame(thread.frames);
  const frames = thread.frames ?? [];
  let where: React.ReactNode;
  if (frame) {
    const text = `${frame.method}${frame.source ? `(${frame.source})` : ''}`;
    where = (
      <span className={styles.frame} title={text} data-testid="top-frame">
        {frame.method}
        {frame.source && <span className={styles.source}>({frame.source})</span>}
      </span>
    );
  } else if (!thread.inDump) {
    where = <span className={cx(styles.frame, styles.none)}>not in the dump (VM thread)</span>;
  } else if (frames.length > 0 && frames.every(isJdkFrame)) {
    where = (
      <span className={cx(styles.frame, styles.none)} title={frames[0].method}>
        only JDK frames
      </span>
    );
  } else {
    where = <span className={cx(styles.frame, styles.none)}>no Java stack</span>;
  }
  return (
    <li className={styles.row} data-testid="busy-thread">
      <span className={styles.rank}>#{rank}</span>
      <span className={styles.cut}>
        <ThreadJumpLink anchor={anchor} onJump={onJump} title={thread.name}>
          {thread.name}
        </ThreadJumpLink>
      </span>
      <span>
        <ThreadStateBadge state={thread.state} info={thread.stateInfo} />
      </span>
      <CpuBar percent={thread.cpuPercent} cpuMs={thread.cpuMs} />
      {where}
    </li>
  );
}
