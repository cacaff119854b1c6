import { clockTimes } from './format';

describe('clockTimes', () => {
  it('gives every row its clock time and the day only where it changes', () => {
    const times = ['2026-11-23T00:00:05Z', '2026-11-22T23:59:50Z', '2026-11-22T10:33:29Z', '2026-11-20T08:00:00Z'];
    expect(clockTimes(times.map(Date.parse), 'utc')).toEqual([
      { clock: '00:00:05', day: '2026-11-23' },
      { clock: '23:59:50', day: '2026-11-22' },
      { clock: '10:33:29', day: undefined },
      { clock: '08:00:00', day: '2026-11-20' },
    ]);
  });

  it('decides the day in the given time zone', () => {
    // 23:59:50Z and 00:00:05Z are one day in Tokyo (08:59:50 and 09:00:05 on the 23rd).
    const ms = ['2026-11-23T00:00:05Z', '2026-11-22T23:59:50Z'].map(Date.parse);
    expect(clockTimes(ms, 'Asia/Tokyo')).toEqual([
      { clock: '09:00:05', day: '2026-11-23' },
      { clock: '08:59:50', day: undefined },
    ]);
    expect(clockTimes(ms, 'utc').map((r) => r.day)).toEqual(['2026-11-23', '2026-11-22']);
  });

  it('is empty for no rows', () => expect(clockTimes([], 'utc')).toEqual([]));
});
