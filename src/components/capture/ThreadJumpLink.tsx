import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

interface Props {
  /** The id of the thread card to go to. */
  anchor: string;
  onJump: (anchor: string) => void;
  title?: string;
  children: React.ReactNode;
}

/**
 * A link to a thread card further down the page. It scrolls itself rather than leaving the
 * "#anchor" to Grafana's router, and the page clears a search that would hide the card.
 */
export function ThreadJumpLink({ anchor, onJump, title, children }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <a
      className={styles.link}
      href={`#${anchor}`}
      title={title}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
          return;
        }
        e.preventDefault();
        e.stopPropagation();
        onJump(anchor);
      }}
    >
      {children}
    </a>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  link: css({
    color: theme.colors.text.link,
    '&:hover': { textDecoration: 'underline' },
  }),
});
