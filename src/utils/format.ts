import { dateTimeFormat } from '@grafana/data';

/** Formats an epoch-ms timestamp in the user's time zone; "—" for null. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) {
    return '—';
  }
  return dateTimeFormat(ms);
}

export function formatCpu(percent: number): string {
  return `${percent.toFixed(1)}%`;
}

/** "pod / container", or just the pod while the container is not resolved. */
export function podContainer(pod: string, container: string): string {
  return container ? `${pod} / ${container}` : pod;
}
