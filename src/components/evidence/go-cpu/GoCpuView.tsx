import React, { useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Stack, Text, useStyles2 } from '@grafana/ui';
import type { GoCpuSummary } from '../../../api/types';
import { formatMs } from '../../../utils/duration';
import { formatCount, formatShare, nanosToMs, shortFile } from '../../../utils/evidence';
import { getEvidenceStyles } from '../evidenceStyles';
import { ShareBar } from '../../shared/ShareBar';
import type { EvidenceViewProps } from '../types';

// The runtime's own functions (the scheduler, GC, the preemption stub whose samples belong to
// the function it interrupted) are dimmed, so the program's own code stands out; the ranking
// stays as the profile says.
function isRuntime(fn: string): boolean {
  return fn.startsWith('runtime.') || fn.startsWith('runtime/internal') || fn.startsWith('internal/runtime');
}

/** Rows shown before "show all". */
export const GO_CPU_ROWS = 10;

/**
 * A Go CPU profile as the busiest threads are shown: the functions that burned the most CPU
 * themselves (flat) first, with what they and their callees burned (cum), as shares of one
 * core over the profile's window.
 */
export function GoCpuView({ summary }: EvidenceViewProps<GoCpuSummary>) {
  const styles = useStyles2(getEvidenceStyles);
  const own = useStyles2(getStyles);
  const [all, setAll] = useState(false);
  const top = summary.topFlat ?? [];
  const cumOf = new Map((summary.topCum ?? []).map((f) => [f.function, f]));
  const rows = all ? top : top.slice(0, GO_CPU_ROWS);
  const windowMs = nanosToMs(summary.windowNanos);
  return (
    <Stack direction="column" gap={0.5}>
      <Text color="secondary" variant="bodySmall">
        {formatShare(summary.totalShare)} CPU over {formatMs(windowMs)} (100% = one core) ·{' '}
        {formatCount(summary.samples)} samples · {formatCount(summary.functions)} functions
      </Text>
      {rows.length === 0 ? (
        <Text color="secondary">No CPU was sampled over the window: the program was idle.</Text>
      ) : (
        <ol className={styles.list} aria-label="Hottest Go functions">
          <li className={`${styles.row} ${own.grid} ${styles.header}`} aria-hidden>
            <span>#</span>
            <span>Function</span>
            <span>File</span>
            <span>Own CPU (flat)</span>
            <span>With callees (cum)</span>
          </li>
          {rows.map((f, i) => {
            // topCum ranks by cum; the flat list's own cum is the same number, kept here for clarity.
            const cum = cumOf.get(f.function) ?? f;
            return (
              <li key={f.function} className={`${styles.row} ${own.grid}`} data-testid="go-cpu-function">
                <span className={styles.rank}>#{i + 1}</span>
                <span
                  className={cx(styles.code, isRuntime(f.function) && styles.secondary)}
                  title={isRuntime(f.function) ? `${f.function} (Go runtime)` : f.function}
                >
                  {f.function}
                </span>
                <span className={`${styles.code} ${styles.secondary}`} title={f.file}>
                  {shortFile(f.file)}
                </span>
                <ShareBar
                  share={f.flatShare}
                  label="flat CPU"
                  text={formatShare(f.flatShare)}
                  title={`${formatMs(nanosToMs(f.flatNanos))} of CPU in the function itself; 100% = one core`}
                />
                <ShareBar
                  share={cum.cumShare}
                  label="cumulative CPU"
                  text={formatShare(cum.cumShare)}
                  title={`${formatMs(nanosToMs(cum.cumNanos))} of CPU in the function and what it called`}
                />
              </li>
            );
          })}
        </ol>
      )}
      {top.length > GO_CPU_ROWS && (
        <div>
          <Button size="sm" variant="secondary" fill="text" onClick={() => setAll(!all)}>
            {all ? `Show the top ${GO_CPU_ROWS}` : `Show all ${top.length} functions kept`}
          </Button>
        </div>
      )}
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({
    gridTemplateColumns: '2.5em minmax(10em, 2fr) minmax(6em, 1fr) minmax(7em, 10em) minmax(7em, 10em)',
    [theme.breakpoints.down('md')]: {
      gridTemplateColumns: '2.5em minmax(0, 1fr) 8em 8em',
      '& > :nth-child(3)': { display: 'none' },
    },
  }),
});
