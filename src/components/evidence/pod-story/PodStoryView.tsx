import React from 'react';
import { Stack, Text, useStyles2 } from '@grafana/ui';
import type { ContainerState, PodStorySummary } from '../../../api/types';
import { clockOf, rfc3339Ms } from '../../../utils/evidence';
import { EvidenceFailureLine } from '../EvidenceFailureLine';
import { getEvidenceStyles } from '../evidenceStyles';
import type { EvidenceViewProps } from '../types';
import { LogExcerptBlock } from './LogExcerptBlock';
import { StoryTimeline } from './StoryTimeline';

function resources(r: Record<string, string> | undefined): string {
  const entries = Object.entries(r ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

/** "terminated OOMKilled (exit 137) at 10:21:50", "running since 10:22:05", "waiting CrashLoopBackOff". */
function stateText(s: ContainerState): string {
  const parts = [s.state];
  if (s.reason) {
    parts.push(s.reason);
  }
  if (s.exitCode !== undefined) {
    parts.push(`(exit ${s.exitCode})`);
  }
  const finished = rfc3339Ms(s.finishedAt);
  const started = rfc3339Ms(s.startedAt);
  if (s.state === 'terminated' && finished !== undefined) {
    parts.push(`at ${clockOf(finished)}`);
  } else if (s.state === 'running' && started !== undefined) {
    parts.push(`since ${clockOf(started)}`);
  }
  return parts.join(' ');
}

/**
 * The pod's own story around the alert: its timeline (restarts, OOMKilled at T, events, the
 * alert and the capture), its requests, limits and QoS, the log around the alert's start and,
 * when it restarted, the last lines of the container that died.
 */
export function PodStoryView({ summary }: EvidenceViewProps<PodStorySummary>) {
  const styles = useStyles2(getEvidenceStyles);
  const { story } = summary;
  const alertMs = rfc3339Ms(story.alertStart);
  const died = story.lastState?.state === 'terminated' ? story.lastState : undefined;
  const diedMs = rfc3339Ms(died?.finishedAt);
  const diedText = died
    ? [died.reason, diedMs !== undefined ? `at ${clockOf(diedMs)}` : ''].filter(Boolean).join(' ')
    : '';
  return (
    <Stack direction="column" gap={1}>
      <Text variant="bodySmall" element="p">
        <span data-testid="pod-story-facts">
          {story.container ? `container ${story.container}` : `pod ${story.pod}`}
          {story.qosClass && ` · QoS ${story.qosClass}`} · requests {resources(story.requests)} · limits{' '}
          {resources(story.limits)} · {story.restartCount} {story.restartCount === 1 ? 'restart' : 'restarts'}
          {story.state && ` · now ${stateText(story.state)}`}
          {story.lastState && ` · last ${stateText(story.lastState)}`}
        </span>
      </Text>
      <StoryTimeline moments={summary.timeline ?? []} alertMs={alertMs} />
      {story.log && (
        <details className={styles.fold} open>
          <summary>
            <Text variant="bodySmall">Log around the alert ({(story.log.lines ?? []).length} lines)</Text>
          </summary>
          <LogExcerptBlock excerpt={story.log} alertMs={alertMs} label="Log around the alert" />
        </details>
      )}
      {story.previousLog && (
        <details className={styles.fold}>
          <summary>
            <Text variant="bodySmall">
              Last lines of the previous container
              {diedText && `, ${diedText}`}· {(story.previousLog.lines ?? []).length} lines
            </Text>
          </summary>
          <LogExcerptBlock excerpt={story.previousLog} label="Last lines of the previous container" />
        </details>
      )}
      {(story.failures ?? []).map((f, i) => (
        <EvidenceFailureLine key={i} part={f.part} reason={f.reason} message={f.message} severity="warning" />
      ))}
    </Stack>
  );
}
