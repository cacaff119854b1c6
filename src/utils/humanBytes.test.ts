import { humanizeByteCounts } from './humanBytes';

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
    // A size that is no whole unit stays exact, as the config page shows it.
    ['read 100 bytes, then 2048 bytes, then 1500 bytes', 'read 100 B, then 2 KiB, then 1500 B'],
    ['no counts here', 'no counts here'],
    ['99999999999999999999 bytes', '99999999999999999999 bytes'],
  ])('%j', (input, want) => expect(humanizeByteCounts(input)).toBe(want));
});
