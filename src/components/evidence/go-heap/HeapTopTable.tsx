import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Stack, Text, useStyles2 } from '@grafana/ui';
import type { GoFuncStat } from '../../../api/types';
import { formatCount, formatMiB, shortFile } from '../../../utils/evidence';
import { getEvidenceStyles } from '../evidenceStyles';
import { ShareBar } from '../../shared/ShareBar';

/** Rows of each heap table. */
export const HEAP_ROWS = 10;

interface Props {
  title: string;
  /** Functions ranked by bytes they allocated themselves (flat). */
  rows: GoFuncStat[];
  /** The whole the bars are shares of. */
  totalBytes: number;
  /** Objects per function, from the matching objects ranking, when it lists the function. */
  objects: Map<string, number>;
}

/** One ranked heap table: function, bytes allocated right there with a bar of the total, and below it. */
export function HeapTopTable({ title, rows, totalBytes, objects }: Props) {
  const styles = useStyles2(getEvidenceStyles);
  const own = useStyles2(getStyles);
  const shown = rows.slice(0, HEAP_ROWS);
  return (
    <Stack direction="column" gap={0.5}>
      <Text element="h4" variant="h6">
        {title}
      </Text>
      {shown.length === 0 ? (
        <Text color="secondary">Nothing was sampled.</Text>
      ) : (
        <ol className={styles.list} aria-label={title}>
          <li className={`${styles.row} ${own.grid} ${styles.header}`} aria-hidden>
            <span>#</span>
            <span>Function</span>
            <span>Bytes (flat)</span>
            <span className={styles.number}>Objects</span>
            <span className={styles.number}>With callees</span>
          </li>
          {shown.map((f, i) => {
            const n = objects.get(f.function);
            return (
              <li key={f.function} className={`${styles.row} ${own.grid}`} data-testid="heap-function">
                <span className={styles.rank}>#{i + 1}</span>
                <span className={styles.code} title={f.file ? `${f.function} (${f.file})` : f.function}>
                  {f.function}
                  {f.file && <span className={styles.secondary}> {shortFile(f.file)}</span>}
                </span>
                <ShareBar
                  share={totalBytes > 0 ? f.flat / totalBytes : 0}
                  label="bytes"
                  text={formatMiB(f.flat)}
                  title={`${formatCount(f.flat)} bytes allocated in the function itself`}
                />
                <span className={styles.number}>{n !== undefined ? formatCount(n) : '—'}</span>
                <span className={styles.number} title={`${formatCount(f.cum)} bytes with what it called`}>
                  {formatMiB(f.cum)}
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({
    gridTemplateColumns: '2.5em minmax(10em, 2fr) minmax(8em, 12em) 6em 7em',
    [theme.breakpoints.down('md')]: {
      gridTemplateColumns: '2.5em minmax(0, 1fr) 9em 6em',
      '& > :nth-child(5)': { display: 'none' },
    },
  }),
});
