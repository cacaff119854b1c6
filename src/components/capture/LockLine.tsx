import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { Lock } from '../../api/types';

interface Props {
  lock: Lock;
}

/** "- waiting to lock <0x…> (a java.lang.Object)", coloured by whether the thread waits or holds. */
export function LockLine({ lock }: Props) {
  const styles = useStyles2(getStyles);
  const holds = lock.kind === 'locked' || lock.kind === 'owned';
  return (
    <div className={holds ? styles.holds : styles.waits} data-testid="lock-line">
      - {lock.kind} &lt;{lock.id}&gt;{lock.class ? ` (a ${lock.class})` : ''}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  holds: css({
    color: theme.colors.success.text,
    paddingLeft: theme.spacing(4),
  }),
  waits: css({
    color: theme.colors.warning.text,
    paddingLeft: theme.spacing(4),
  }),
});
