import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';
import { humanizeByteCounts } from '../../utils/humanBytes';

interface Props {
  reason: string;
  message: string;
  /** What failed, for a piece with several parts ("histogram", "previous-log"). */
  part?: string;
  /** A part that is missing while the rest was taken reads as a warning, not an error. */
  severity?: 'error' | 'warning';
}

/** Why (part of) a piece of evidence could not be taken: one line, the whole message on hover. */
export function EvidenceFailureLine({ reason, message, part, severity = 'error' }: Props) {
  const styles = useStyles2(getStyles);
  const text = humanizeByteCounts(message);
  const lead = part ? `${part}: ${reason}` : reason;
  return (
    <div
      className={`${styles.line} ${severity === 'error' ? styles.error : styles.warning}`}
      title={`${lead}: ${text}`}
      data-testid="evidence-failure"
    >
      <Icon name={severity === 'error' ? 'exclamation-circle' : 'exclamation-triangle'} className={styles.icon} />
      <strong className={styles.reason}>{lead}</strong>
      <span className={styles.message}>{text}</span>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  line: css({
    display: 'flex',
    alignItems: 'baseline',
    gap: theme.spacing(1),
    minWidth: 0,
  }),
  error: css({ color: theme.colors.error.text }),
  warning: css({ color: theme.colors.warning.text }),
  icon: css({ flexShrink: 0, alignSelf: 'center' }),
  reason: css({ flexShrink: 0, whiteSpace: 'nowrap' }),
  message: css({
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    color: theme.colors.text.primary,
  }),
});
