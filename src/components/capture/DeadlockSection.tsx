import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Icon, useStyles2 } from '@grafana/ui';
import { deadlockThreadNames } from '../../utils/deadlock';
import { ThreadJumpLink } from './ThreadJumpLink';

interface Props {
  deadlocks: string[];
  /** The card id of the stored thread with this name, if it has a card. */
  anchorOf: (name: string) => string | undefined;
  onJump: (anchor: string) => void;
  /** How many threads have cards, to say why a named one has none. */
  storedThreads: number;
}

/**
 * The JVM's deadlock report, as one line naming the threads (linked to their cards); the
 * verbatim report opens on demand.
 */
export function DeadlockSection({ deadlocks, anchorOf, onJump, storedThreads }: Props) {
  const styles = useStyles2(getStyles);
  const [open, setOpen] = useState(false);
  if (deadlocks.length === 0) {
    return null;
  }
  const names = deadlockThreadNames(deadlocks);
  const noCard = `Only the ${storedThreads} busiest threads are stored with a card; this one is in the raw dump.`;
  return (
    <section className={styles.box} aria-label="Deadlock" data-testid="deadlock">
      <div className={styles.line}>
        <Icon name="exclamation-triangle" className={styles.icon} />
        <strong>{deadlocks.length === 1 ? 'Deadlock' : `${deadlocks.length} deadlocks`}</strong>
        <span className={styles.names}>
          {names.length === 0
            ? 'the JVM reported one; see its report'
            : names.map((name, i) => {
                const anchor = anchorOf(name);
                return (
                  <span key={name} data-testid="deadlock-thread">
                    {i > 0 && ' ↔ '}
                    {anchor ? (
                      <ThreadJumpLink anchor={anchor} onJump={onJump} title={`Go to the stack of ${name}`}>
                        {name}
                      </ThreadJumpLink>
                    ) : (
                      <span title={noCard}>
                        {name} <span className={styles.secondary}>(no card)</span>
                      </span>
                    )}
                  </span>
                );
              })}
        </span>
        <Button
          size="sm"
          fill="text"
          variant="secondary"
          icon={open ? 'angle-down' : 'angle-right'}
          aria-expanded={open}
          onClick={() => setOpen(!open)}
        >
          JVM report
        </Button>
      </div>
      {open &&
        deadlocks.map((text, i) => (
          <pre key={i} className={styles.pre}>
            {text}
          </pre>
        ))}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({
    border: `1px solid ${theme.colors.error.border}`,
    borderLeftWidth: theme.spacing(0.5),
    borderRadius: theme.shape.radius.default,
    background: theme.colors.error.transparent,
    padding: theme.spacing(0.25, 1),
  }),
  line: css({
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
  }),
  icon: css({ color: theme.colors.error.text }),
  names: css({ flex: '1 1 auto', minWidth: 0 }),
  secondary: css({ color: theme.colors.text.secondary }),
  pre: css({
    whiteSpace: 'pre-wrap',
    margin: theme.spacing(1, 0),
    maxHeight: '40vh',
    overflow: 'auto',
  }),
});
