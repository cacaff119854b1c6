import { dateTime } from '@grafana/data';
import { paramsOfRange, rangeOfParams } from '../components/across/workloadRange';
import { comparePath, epochMs, formatShare, workloadPath } from './acrossPaths';

describe('workloadPath', () => {
  it('carries the workload and range as query parameters, escaped', () => {
    const path = workloadPath(
      { cluster: 'eu west', namespace: 'shop', kind: 'StatefulSet', name: 'db&co' },
      { from: '1795000000000', to: 'now' }
    );
    const url = new URL(path, 'http://localhost');
    expect(url.pathname).toBe('/a/seed-stackcapture-app/workload');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      cluster: 'eu west',
      namespace: 'shop',
      kind: 'StatefulSet',
      name: 'db&co',
      from: '1795000000000',
      to: 'now',
    });
  });

  it('names the comparison with the earlier capture as base', () => {
    expect(comparePath(41, 42)).toBe('/a/seed-stackcapture-app/compare?base=41&other=42');
  });
});

describe('epochMs', () => {
  it.each<[string | number | null | undefined, number | null]>([
    ['2026-11-22T10:33:25Z', Date.UTC(2026, 10, 22, 10, 33, 25)],
    [1795343605000, 1795343605000],
    ['', null],
    ['yesterday', null],
    [null, null],
    [undefined, null],
    [Number.NaN, null],
  ])('%p is %p', (t, ms) => {
    expect(epochMs(t)).toBe(ms);
  });
});

describe('formatShare', () => {
  it.each<[number | null, string]>([
    [0.93, '93.0%'],
    [0.995, '99.5%'],
    [1.5, '150.0%'],
    [0, '0.0%'],
    [null, '—'],
  ])('%p is %s', (share, text) => {
    expect(formatShare(share)).toBe(text);
  });
});

describe('the workload page range', () => {
  it('opens on the last week when the address says nothing', () => {
    const range = rangeOfParams(null, null);
    expect(range.raw).toEqual({ from: 'now-7d', to: 'now' });
    // from and to are each evaluated against the clock: a millisecond may pass between them.
    const week = 7 * 24 * 3600 * 1000;
    expect(range.to.valueOf() - range.from.valueOf()).toBeGreaterThanOrEqual(week);
    expect(range.to.valueOf() - range.from.valueOf()).toBeLessThan(week + 60_000);
  });

  it('keeps a relative range relative and an absolute one in epoch milliseconds, both ways', () => {
    expect(paramsOfRange(rangeOfParams('now-24h', 'now'))).toEqual({ from: 'now-24h', to: 'now' });
    const absolute = rangeOfParams('1795000000000', '1795343605000');
    expect(absolute.from.valueOf()).toBe(1795000000000);
    expect(paramsOfRange(absolute)).toEqual({ from: '1795000000000', to: '1795343605000' });
    const picked = { from: dateTime(1795000000000), to: dateTime(1795343605000) };
    expect(paramsOfRange({ ...picked, raw: picked })).toEqual({ from: '1795000000000', to: '1795343605000' });
  });
});
