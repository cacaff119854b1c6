import type { EvidencePiece, Focus } from '../api/types';
import { formatCount, formatMiB, formatSize, offsetText, orderPieces, rfc3339Ms, shortFile } from './evidence';

function piece(id: number, kind: string, failed = false): EvidencePiece {
  return {
    id,
    kind,
    container: 'app',
    source: '',
    startedAt: '2026-12-01T10:22:31Z',
    tookMs: 1,
    truncated: false,
    failure: failed ? { reason: 'timeout', message: 'timed out' } : null,
    summary: failed ? null : {},
  };
}

describe('orderPieces', () => {
  const pieces = [
    piece(1, 'pod-story'),
    piece(2, 'go-heap'),
    piece(3, 'go-cpu', true),
    piece(4, 'go-goroutines'),
    piece(5, 'go-cpu'),
    piece(6, 'jvm-heap'),
    piece(7, 'future-kind'),
  ];
  it.each<[Focus | undefined, number[]]>([
    // CPU (and captures from before foci): the CPU profile first, failed pieces last.
    ['cpu', [5, 4, 1, 6, 2, 7, 3]],
    [undefined, [5, 4, 1, 6, 2, 7, 3]],
    // Memory: the heap first.
    ['memory', [6, 2, 1, 5, 4, 7, 3]],
    ['all', [5, 6, 2, 1, 4, 7, 3]],
  ])('focus %s orders %j', (focus, ids) => {
    expect(orderPieces(pieces, focus).map((p) => p.id)).toEqual(ids);
  });

  it('keeps a failed piece that still holds a summary in its kind’s place', () => {
    const truncated = { ...piece(8, 'go-cpu'), failure: { reason: 'truncated', message: 'cut' } };
    expect(orderPieces([piece(1, 'pod-story'), truncated], 'cpu').map((p) => p.id)).toEqual([8, 1]);
  });
});

describe('formatting', () => {
  it.each([
    [30153039, '28.8 MiB'],
    [356352, '0.34 MiB'],
    [0, '0.0 MiB'],
    [2048, '<0.01 MiB'],
  ])('formatMiB(%d) = %s', (n, text) => expect(formatMiB(n)).toBe(text));

  it.each([
    [512, '512 B'],
    [5895, '5.8 KiB'],
    [3 * 1024 * 1024 + 1, '3.0 MiB'],
  ])('formatSize(%d) = %s', (n, text) => expect(formatSize(n)).toBe(text));

  it('counts with separators', () => {
    expect(formatCount(1005)).toBe('1,005');
    expect(formatCount(487879)).toBe('487,879');
    expect(formatCount(12)).toBe('12');
  });

  it('shortens a file to its last two elements with the line', () => {
    expect(shortFile('/usr/local/go/src/runtime/chan.go', 509)).toBe('runtime/chan.go:509');
    expect(shortFile('main.go')).toBe('main.go');
    expect(shortFile(undefined)).toBe('');
  });

  it('says offsets from the alert', () => {
    const alert = Date.parse('2026-12-01T10:22:30Z');
    expect(offsetText(Date.parse('2026-12-01T10:21:50Z'), alert)).toBe('−40 s');
    expect(offsetText(alert, alert)).toBe('±0 s');
    expect(offsetText(Date.parse('2026-12-01T10:02:11Z'), alert)).toBe('−20.3 min');
    expect(offsetText(Date.parse('2026-12-01T12:22:30Z'), alert)).toBe('+2 h');
  });

  it('reads Go’s zero time as unknown', () => {
    expect(rfc3339Ms('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(rfc3339Ms(undefined)).toBeUndefined();
    expect(rfc3339Ms('2026-12-01T10:22:30Z')).toBe(Date.parse('2026-12-01T10:22:30Z'));
  });
});
