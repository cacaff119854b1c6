import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { Frame, Lock } from '../../api/types';
import { Highlight } from '../shared/Highlight';
import { LockLine } from './LockLine';

interface Props {
  frame: Frame;
  /** JDK frames are shown dimmer than the application's own frames. */
  jdk: boolean;
  locks: Lock[];
  query: string;
}

export function FrameLine({ frame, jdk, locks, query }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <>
      <div className={cx(styles.frame, jdk ? styles.jdk : styles.app)} data-testid={jdk ? 'jdk-frame' : 'app-frame'}>
        at{' '}
        <span>
          <Highlight text={frame.method} query={query} />
        </span>
        {frame.source && (
          <span className={styles.source}>
            (<Highlight text={frame.source} query={query} />)
          </span>
        )}
      </div>
      {locks.map((lock) => (
        <LockLine key={`${lock.kind}-${lock.id}`} lock={lock} />
      ))}
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  frame: css({
    paddingLeft: theme.spacing(2),
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-all',
  }),
  app: css({
    color: theme.colors.text.primary,
    fontWeight: theme.typography.fontWeightMedium,
  }),
  jdk: css({
    color: theme.colors.text.secondary,
  }),
  source: css({
    color: theme.colors.text.secondary,
    fontWeight: theme.typography.fontWeightRegular,
  }),
});
