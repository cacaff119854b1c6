import { formatBytes, humanizeByteCounts } from './humanBytes';

describe('formatBytes', () => {
  it.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [1023, '1023 bytes'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [65536, '64 KiB'],
    [16 * 1024 * 1024, '16 MiB'],
    [16 * 1024 * 1024 + 1, '16 MiB'],
    [1024 * 1024 * 1024, '1 GiB'],
    [5 * 1024 ** 5, '5120 TiB'],
  ])('formatBytes(%d) = %j', (n, want) => expect(formatBytes(n)).toBe(want));
});

describe('humanizeByteCounts', () => {
  it.each([
    [
      'output cut at 16777216 bytes (maxOutputBytes): the thread dump is incomplete',
      'output cut at 16 MiB (maxOutputBytes): the thread dump is incomplete',
    ],
    [
      'output cut at 65536 bytes (maxOutputBytes) before any JVM was reported',
      'output cut at 64 KiB (maxOutputBytes) before any JVM was reported',
    ],
    ['read 100 bytes, then 2048 bytes', 'read 100 bytes, then 2 KiB'],
    ['no counts here', 'no counts here'],
    ['99999999999999999999 bytes', '99999999999999999999 bytes'],
  ])('%j', (input, want) => expect(humanizeByteCounts(input)).toBe(want));
});
