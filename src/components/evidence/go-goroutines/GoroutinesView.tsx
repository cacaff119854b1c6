import React from 'react';
import { Stack, Text, useStyles2 } from '@grafana/ui';
import type { GoroutineSummary } from '../../../api/types';
import { formatCount } from '../../../utils/evidence';
import { getEvidenceStyles } from '../evidenceStyles';
import type { EvidenceViewProps } from '../types';
import { GoroutineGroupRow } from './GoroutineGroupRow';

/**
 * A Go program's goroutines grouped by identical stack, biggest group first: a thousand
 * goroutines parked in one place read as one line "×1000 chan receive main.worker".
 */
export function GoroutinesView({ summary }: EvidenceViewProps<GoroutineSummary>) {
  const styles = useStyles2(getEvidenceStyles);
  const groups = summary.groups ?? [];
  const byState = summary.byState ?? [];
  const hidden = summary.groupCount - groups.length;
  return (
    <Stack direction="column" gap={0.5}>
      <Text color="secondary" variant="bodySmall">
        <span data-testid="goroutine-total">{formatCount(summary.total)} goroutines</span> in{' '}
        {formatCount(summary.groupCount)} distinct stacks
        {byState.length > 0 && ' · '}
        {byState.map((s) => `${formatCount(s.count)} ${s.state}`).join(' · ')}
      </Text>
      {groups.length === 0 ? (
        <Text color="secondary">No goroutines were recorded.</Text>
      ) : (
        <ol className={styles.list} aria-label="Goroutine groups">
          {groups.map((g, i) => (
            <GoroutineGroupRow key={i} group={g} />
          ))}
        </ol>
      )}
      {hidden > 0 && (
        <Text color="secondary" variant="bodySmall">
          and {formatCount(summary.otherGoroutines)} more goroutines in {formatCount(hidden)} smaller groups (in the raw
          profile)
        </Text>
      )}
    </Stack>
  );
}
