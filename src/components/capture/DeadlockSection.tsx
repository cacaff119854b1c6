import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, useStyles2 } from '@grafana/ui';

interface Props {
  deadlocks: string[];
}

/** The JVM's own deadlock report, verbatim. */
export function DeadlockSection({ deadlocks }: Props) {
  const styles = useStyles2(getStyles);
  if (deadlocks.length === 0) {
    return null;
  }
  return (
    <Alert severity="error" title={deadlocks.length === 1 ? 'Deadlock' : `${deadlocks.length} deadlocks`}>
      {deadlocks.map((text, i) => (
        <pre key={i} className={styles.pre}>
          {text}
        </pre>
      ))}
    </Alert>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  pre: css({
    whiteSpace: 'pre-wrap',
    margin: theme.spacing(1, 0, 0),
  }),
});
