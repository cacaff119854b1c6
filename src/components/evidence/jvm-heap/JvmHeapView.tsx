import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Stack, Text, useStyles2 } from '@grafana/ui';
import type { JvmHeapSummary } from '../../../api/types';
import { formatMiB, formatShare } from '../../../utils/evidence';
import { EvidenceFailureLine } from '../EvidenceFailureLine';
import { ShareBar } from '../../shared/ShareBar';
import type { EvidenceViewProps } from '../types';
import { ClassHistogramTable } from './ClassHistogramTable';
import { NativeMemoryBlock } from './NativeMemoryBlock';

/**
 * A JVM's heap: how full it is against what it may grow to, Metaspace, the classes that fill
 * it (the class histogram's top) and, when tracked, native memory. A part that could not be
 * read says why; the others are kept.
 */
export function JvmHeapView({ summary }: EvidenceViewProps<JvmHeapSummary>) {
  const styles = useStyles2(getStyles);
  const heap = summary.heap;
  const capacity = heap ? heap.maxBytes || heap.committedBytes : 0;
  const metaspace = summary.metaspace ?? heap?.metaspace;
  const failures = summary.failures ?? [];
  const nmtFailure = failures.find((f) => f.part === 'native-memory');
  return (
    <Stack direction="column" gap={1}>
      {/* Narrow, the card's origin ("jcmd in container app, pid …") says the PID: the line goes, the classes come up. */}
      <div className={styles.pid}>
        <Text color="secondary" variant="bodySmall">
          PID {summary.pid}
          {summary.command && <span title={summary.command}> · {summary.command.split(' ')[0]}</span>}
        </Text>
      </div>
      {heap && (
        <Stack direction="column" gap={0.25}>
          <Stack direction="row" alignItems="center" gap={1}>
            <Text variant="bodySmall">
              Java heap{heap.collector ? ` (${heap.collector})` : ''}: <strong>{formatMiB(heap.usedBytes)} used</strong>{' '}
              of {formatMiB(capacity)} {heap.maxBytes ? 'max' : 'committed'}
            </Text>
            <span className={styles.heapBar}>
              <ShareBar
                share={capacity > 0 ? heap.usedBytes / capacity : 0}
                label="heap used"
                text={capacity > 0 ? formatShare(heap.usedBytes / capacity) : '—'}
              />
            </span>
          </Stack>
          {heap.spaces && heap.spaces.length > 1 && (
            <Text color="secondary" variant="bodySmall">
              {heap.spaces
                .map((s) => `${s.name} ${formatMiB(s.usedBytes)} of ${formatMiB(s.committedBytes)}`)
                .join(' · ')}
            </Text>
          )}
        </Stack>
      )}
      {metaspace && (
        <Text variant="bodySmall">
          Metaspace: {formatMiB(metaspace.usedBytes)} used, {formatMiB(metaspace.committedBytes)} committed
          {metaspace.classUsedBytes > 0 && ` (class space ${formatMiB(metaspace.classUsedBytes)} used)`}
        </Text>
      )}
      {summary.histogram && <ClassHistogramTable histogram={summary.histogram} mode={summary.histogramMode} />}
      <NativeMemoryBlock nativeMemory={summary.nativeMemory} failure={nmtFailure} />
      {failures
        .filter((f) => f !== nmtFailure)
        .map((f, i) => (
          <EvidenceFailureLine key={i} part={f.part} reason={f.reason} message={f.message} severity="warning" />
        ))}
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  pid: css({
    [theme.breakpoints.down('md')]: { display: 'none' },
  }),
  heapBar: css({
    flex: '0 1 16em',
    minWidth: '8em',
  }),
});
