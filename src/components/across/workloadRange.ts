import { dateTime, rangeUtil, type RawTimeRange, type TimeRange } from '@grafana/data';
import { DEFAULT_WORKLOAD_RANGE } from '../../utils/acrossPaths';

// A URL's from/to: a Grafana time expression ("now-7d") or epoch milliseconds.
function rawTime(value: string | null, fallback: string) {
  const v = value?.trim() || fallback;
  return /^\d+$/.test(v) ? dateTime(Number(v)) : v;
}

/** The time range a page's from and to parameters say, the last week when they say nothing. */
export function rangeOfParams(from: string | null, to: string | null): TimeRange {
  const raw: RawTimeRange = {
    from: rawTime(from, DEFAULT_WORKLOAD_RANGE.from),
    to: rawTime(to, DEFAULT_WORKLOAD_RANGE.to),
  };
  return rangeUtil.convertRawToRange(raw);
}

/** The from and to parameters of a range: relative ranges stay relative, absolute ones epoch ms. */
export function paramsOfRange(range: TimeRange): { from: string; to: string } {
  const param = (v: RawTimeRange['from']) => (typeof v === 'string' ? v : String(v.valueOf()));
  return { from: param(range.raw.from), to: param(range.raw.to) };
}
