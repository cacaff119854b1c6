import { parseGoDuration } from './duration';

describe('parseGoDuration', () => {
  it.each([
    ['2s', 2000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['0', 0],
    ['-1m', -60_000],
    ['168h', 604_800_000],
    ['1m0.5s', 60_500],
    ['100us', 0.1],
    ['100µs', 0.1],
    ['2000000ns', 2],
  ])('reads %s as %d ms', (input, ms) => {
    expect(parseGoDuration(input)).toBeCloseTo(ms, 6);
  });

  it.each(['', '2', '2 s', '2sec', 's', '1d', '1h 30m', '1.2.3s', '-', 'ms', '10M'])('rejects %p', (input) => {
    expect(parseGoDuration(input)).toBeUndefined();
  });
});
