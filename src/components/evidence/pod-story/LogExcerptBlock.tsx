import React from 'react';
import { useStyles2 } from '@grafana/ui';
import type { LogExcerpt } from '../../../api/types';
import { clockOf, rfc3339Ms } from '../../../utils/evidence';
import { getEvidenceStyles } from '../evidenceStyles';

interface Props {
  excerpt: LogExcerpt;
  /** Where to draw the alert's start between the lines, epoch ms. */
  alertMs?: number;
  label: string;
}

/** Log lines with their kubelet times, and a marker where the alert started. */
export function LogExcerptBlock({ excerpt, alertMs, label }: Props) {
  const styles = useStyles2(getEvidenceStyles);
  const lines = excerpt.lines ?? [];
  let marked = alertMs === undefined;
  const out: string[] = [];
  if (excerpt.truncated) {
    out.push(excerpt.previous ? '… earlier lines left out' : '… lines left out (bounded in lines and bytes)');
  }
  for (const l of lines) {
    const ms = rfc3339Ms(l.time);
    if (!marked && ms !== undefined && alertMs !== undefined && ms >= alertMs) {
      out.push(`──── ${clockOf(alertMs)} alert started ────`);
      marked = true;
    }
    out.push(ms !== undefined ? `${clockOf(ms)}  ${l.text}` : l.text);
  }
  if (lines.length === 0) {
    out.push('(no lines)');
  }
  return (
    <pre className={styles.pre} aria-label={label} tabIndex={0}>
      {out.join('\n')}
    </pre>
  );
}
