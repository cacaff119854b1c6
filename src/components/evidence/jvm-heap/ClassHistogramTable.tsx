import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Box, Button, Stack, Text, useStyles2 } from '@grafana/ui';
import type { JvmHistogram } from '../../../api/types';
import { formatCount, formatMiB, formatShare } from '../../../utils/evidence';
import { getEvidenceStyles } from '../evidenceStyles';
import { ShareBar } from '../../shared/ShareBar';

/** Classes shown before "show all". */
export const HISTOGRAM_ROWS = 10;

interface Props {
  histogram: JvmHistogram;
  /** "full" (a full GC first: live objects only) or "all" (everything on the heap, no GC). */
  mode: string;
}

/** The top of a JVM's class histogram: classes by shallow bytes, with instances and their share of the heap. */
export function ClassHistogramTable({ histogram, mode }: Props) {
  const styles = useStyles2(getEvidenceStyles);
  const own = useStyles2(getStyles);
  const [all, setAll] = useState(false);
  const top = histogram.top ?? [];
  const rows = all ? top : top.slice(0, HISTOGRAM_ROWS);
  const listed = top.reduce((sum, c) => sum + c.bytes, 0);
  // The Total line may be cut from a truncated output: then the shares are of what was listed.
  const total = histogram.total.bytes > 0 ? histogram.total.bytes : listed + histogram.omittedBytes;
  const counted =
    (histogram.all || mode === 'all'
      ? 'every object on the heap, reachable or not (no GC forced)'
      : 'live objects only (after a full GC)') +
    (histogram.total.bytes > 0
      ? ` · ${formatCount(histogram.total.instances)} objects, ${formatMiB(histogram.total.bytes)} in all`
      : '');
  return (
    <Stack direction="column" gap={0.5}>
      {/* One line: what the histogram counted is cut (all of it on hover) before the classes are pushed down. */}
      <Stack direction="row" alignItems="baseline" gap={1}>
        <Box shrink={0}>
          <Text element="h4" variant="h6">
            Classes by bytes
          </Text>
        </Box>
        <span className={own.counted} title={counted}>
          {counted}
        </span>
      </Stack>
      {top.length === 0 ? (
        <Text color="secondary">The histogram listed no classes.</Text>
      ) : (
        <ol className={styles.list} aria-label="Class histogram">
          <li className={`${styles.row} ${own.grid} ${styles.header}`} aria-hidden>
            <span>#</span>
            <span>Class</span>
            <span className={styles.number}>Instances</span>
            <span className={styles.number}>Bytes</span>
            <span>Share of the heap</span>
          </li>
          {rows.map((c, i) => {
            const name = c.display || c.class || '?';
            const share = total > 0 ? c.bytes / total : 0;
            return (
              <li key={`${c.class}-${i}`} className={`${styles.row} ${own.grid}`} data-testid="histogram-class">
                <span className={styles.rank}>#{c.rank ?? i + 1}</span>
                <span
                  className={styles.code}
                  title={
                    [c.class && c.class !== name ? c.class : '', c.module ?? ''].filter(Boolean).join(' · ') || name
                  }
                >
                  {name}
                  {c.module && <span className={styles.secondary}> {c.module}</span>}
                </span>
                <span className={styles.number}>{formatCount(c.instances)}</span>
                <span className={styles.number} title={`${formatCount(c.bytes)} bytes`}>
                  {formatMiB(c.bytes)}
                </span>
                <ShareBar share={share} label="share of the heap" text={formatShare(share)} />
              </li>
            );
          })}
        </ol>
      )}
      {top.length > HISTOGRAM_ROWS && (
        <div>
          <Button size="sm" variant="secondary" fill="text" onClick={() => setAll(!all)}>
            {all ? `Show the top ${HISTOGRAM_ROWS}` : `Show all ${top.length} classes kept`}
          </Button>
        </div>
      )}
      {histogram.omittedBytes > 0 && (
        <Text color="secondary" variant="bodySmall">
          {formatMiB(histogram.omittedBytes)} in the classes below these (in the raw histogram)
        </Text>
      )}
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  counted: css({
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  grid: css({
    gridTemplateColumns: '2.5em minmax(10em, 2fr) 7em 7em minmax(7em, 10em)',
    [theme.breakpoints.down('md')]: {
      gridTemplateColumns: '2.5em minmax(0, 1fr) 7em 8em',
      '& > :nth-child(3)': { display: 'none' },
    },
  }),
});
