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

/** "10:33:29" in the given time zone (Grafana's: "browser", "utc", an IANA name; default the user's). */
export function formatClock(ms: number, timeZone?: string): string {
  return dateTimeFormat(ms, { format: 'HH:mm:ss', timeZone });
}

/** "2026-11-22" in the given time zone. */
export function formatDay(ms: number, timeZone?: string): string {
  return dateTimeFormat(ms, { format: 'YYYY-MM-DD', timeZone });
}

/**
 * For rows in order: each one's clock time, and its day only where the day differs from the
 * previous row's (the first row always has it), so a list says its date once per day.
 */
export function clockTimes(times: number[], timeZone?: string): Array<{ clock: string; day?: string }> {
  let previousDay = '';
  return times.map((ms) => {
    const day = formatDay(ms, timeZone);
    const changed = day !== previousDay;
    previousDay = day;
    return { clock: formatClock(ms, timeZone), day: changed ? day : undefined };
  });
}
