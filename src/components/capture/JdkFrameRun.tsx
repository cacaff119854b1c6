import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, useStyles2 } from '@grafana/ui';
import type { Lock } from '../../api/types';
import type { FrameRun } from '../../utils/frames';
import { frameMatches } from '../../utils/threadSearch';
import { FrameLine } from './FrameLine';
import { LockLine } from './LockLine';

interface Props {
  run: FrameRun;
  locksByFrame: Map<number, Lock[]>;
  query: string;
}

/**
 * A run of JDK frames, collapsed behind an "N JDK frames" expander unless the search matches
 * inside it. Lock lines stay visible while collapsed: they matter more than the frames.
 */
export function JdkFrameRun({ run, locksByFrame, query }: Props) {
  const styles = useStyles2(getStyles);
  const [toggled, setToggled] = useState<boolean | undefined>();
  const searchHit = run.frames.some((f) => frameMatches(f, query));
  const open = toggled ?? searchHit;
  const n = run.frames.length;
  const hiddenLocks = open ? [] : run.frames.flatMap((_, i) => locksByFrame.get(run.start + i) ?? []);

  return (
    <div>
      <Button
        className={styles.toggle}
        fill="text"
        size="sm"
        variant="secondary"
        icon={open ? 'angle-down' : 'angle-right'}
        aria-expanded={open}
        onClick={() => setToggled(!open)}
      >
        {n} JDK {n === 1 ? 'frame' : 'frames'}
      </Button>
      {open &&
        run.frames.map((frame, i) => (
          <FrameLine
            key={run.start + i}
            frame={frame}
            jdk
            locks={locksByFrame.get(run.start + i) ?? []}
            query={query}
          />
        ))}
      {hiddenLocks.map((lock) => (
        <LockLine key={`${lock.kind}-${lock.id}`} lock={lock} />
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  toggle: css({
    marginLeft: theme.spacing(1),
    fontFamily: theme.typography.fontFamilyMonospace,
  }),
});
