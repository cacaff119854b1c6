import type { WorkloadKey } from '../api/types';
import { PLUGIN_BASE_URL, ROUTES } from '../constants';
import { formatCpu } from './format';

/** The range the workload page opens with from a capture: the last week, to now. */
export const DEFAULT_WORKLOAD_RANGE = { from: 'now-7d', to: 'now' };

/**
 * Browser path of a workload's hot frames page, without Grafana's sub-path. from and to are
 * Grafana time expressions ("now-7d") or epoch milliseconds, kept as given so a relative range
 * stays relative in a shared link.
 */
export function workloadPath(key: WorkloadKey, range: { from: string; to: string } = DEFAULT_WORKLOAD_RANGE): string {
  const q = new URLSearchParams({
    cluster: key.cluster,
    namespace: key.namespace,
    kind: key.kind,
    name: key.name,
    from: range.from,
    to: range.to,
  });
  return `${PLUGIN_BASE_URL}/${ROUTES.Workload}?${q.toString()}`;
}

/** Browser path of the comparison of two captures: base is the earlier one. */
export function comparePath(base: number, other: number): string {
  return `${PLUGIN_BASE_URL}/${ROUTES.Compare}?${new URLSearchParams({ base: String(base), other: String(other) })}`;
}

/** A workload as "Deployment shop". */
export function workloadName(w: { kind: string; name: string }): string {
  return `${w.kind} ${w.name}`;
}

/** Epoch milliseconds of an RFC 3339 time or of epoch milliseconds; null when neither. */
export function epochMs(t: string | number | null | undefined): number | null {
  if (typeof t === 'number') {
    return Number.isFinite(t) ? t : null;
  }
  if (typeof t !== 'string' || t === '') {
    return null;
  }
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : ms;
}

/** A CPU share (1.0 = one core) as the captures show CPU: "99.5%"; "—" when not measured. */
export function formatShare(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) {
    return '—';
  }
  return formatCpu(share * 100);
}
