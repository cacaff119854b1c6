import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

interface Props {
  text: string;
  /** Case-insensitive; nothing is highlighted when empty. */
  query: string;
}

/** Renders text with every occurrence of query marked. */
export function Highlight({ text, query }: Props) {
  const styles = useStyles2(getStyles);
  const q = query.trim().toLowerCase();
  if (!q) {
    return <>{text}</>;
  }
  const lower = text.toLowerCase();
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (let i = lower.indexOf(q); i !== -1; i = lower.indexOf(q, at)) {
    if (i > at) {
      parts.push(text.slice(at, i));
    }
    parts.push(
      <mark key={i} className={styles.mark}>
        {text.slice(i, i + q.length)}
      </mark>
    );
    at = i + q.length;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

const getStyles = (theme: GrafanaTheme2) => ({
  mark: css({
    background: theme.colors.warning.transparent,
    color: theme.colors.text.primary,
    borderRadius: theme.shape.radius.default,
  }),
});
