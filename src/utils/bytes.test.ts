import { formatBytes, parseBytes } from './bytes';

describe('parseBytes', () => {
  it.each([
    ['16 MiB', 16 * 2 ** 20],
    ['512 KiB', 512 * 1024],
    ['1 GiB', 2 ** 30],
    ['1gib', 2 ** 30],
    [' 1048576 ', 2 ** 20],
    ['100 B', 100],
    ['100 bytes', 100],
    ['1.5 KiB', 1536],
    ['0', 0],
  ])('reads %p', (text, want) => {
    expect(parseBytes(text)).toBe(want);
  });

  it.each(['16 MB', '16 M', '1.3 B', '0.1 KiB', '', 'MiB', '-1 KiB', '1.2.3 KiB', '16 MiB extra', '1e6'])(
    'refuses %p',
    (text) => {
      expect(parseBytes(text)).toBeUndefined();
    }
  );
});

describe('formatBytes', () => {
  it.each([
    [16 * 2 ** 20, '16 MiB'],
    [65536, '64 KiB'],
    [1536, '1536 B'],
    [2 ** 30, '1 GiB'],
    [0, '0 B'],
    [65535, '65535 B'],
  ])('writes %p as %p', (n, want) => {
    expect(formatBytes(n)).toBe(want);
    expect(parseBytes(formatBytes(n))).toBe(n);
  });
});
