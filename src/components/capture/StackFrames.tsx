import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { Lock, Thread } from '../../api/types';
import { frameRuns } from '../../utils/frames';
import { FrameLine } from './FrameLine';
import { JdkFrameRun } from './JdkFrameRun';
import { LockLine } from './LockLine';

interface Props {
  thread: Thread;
  query: string;
}

/** A thread's stack: application frames in full, JDK runs collapsed, lock lines per frame. */
export function StackFrames({ thread, query }: Props) {
  const styles = useStyles2(getStyles);
  const frames = useMemo(() => thread.frames ?? [], [thread.frames]);
  const runs = useMemo(() => frameRuns(frames), [frames]);
  const locksByFrame = useMemo(() => {
    const m = new Map<number, Lock[]>();
    for (const lock of thread.locks ?? []) {
      m.set(lock.frame, [...(m.get(lock.frame) ?? []), lock]);
    }
    return m;
  }, [thread.locks]);
  const owned = thread.ownedSyncs ?? [];

  return (
    <div className={styles.stack}>
      {frames.length === 0 && <div className={styles.none}>no Java stack</div>}
      {runs.map((run) =>
        run.jdk ? (
          <JdkFrameRun key={run.start} run={run} locksByFrame={locksByFrame} query={query} />
        ) : (
          run.frames.map((frame, i) => (
            <FrameLine
              key={run.start + i}
              frame={frame}
              jdk={false}
              locks={locksByFrame.get(run.start + i) ?? []}
              query={query}
            />
          ))
        )
      )}
      {owned.length > 0 && (
        <div className={styles.owned}>
          <div>Locked ownable synchronizers:</div>
          {owned.map((lock) => (
            <LockLine key={lock.id} lock={lock} />
          ))}
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  stack: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    lineHeight: theme.typography.bodySmall.lineHeight,
  }),
  none: css({
    color: theme.colors.text.secondary,
    paddingLeft: theme.spacing(2),
  }),
  owned: css({
    marginTop: theme.spacing(1),
    paddingLeft: theme.spacing(2),
  }),
});
