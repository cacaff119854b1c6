import type { CompareEntry, FrameChange } from '../../api/types';
import { comparison } from '../../test/acrossFixtures';
import { CHANGE_ORDER, formatShareChange, groupByChange } from './compareGroups';

function entry(frame: string, change: string, baseShare: number | null, otherShare: number | null): CompareEntry {
  return { frame, change: change as FrameChange, baseShare, otherShare };
}

describe('groupByChange', () => {
  it('knows every change the contract example serves', () => {
    for (const e of comparison().entries) {
      expect(CHANGE_ORDER).toContain(e.change);
    }
  });

  it('orders each group by what matters in it and leaves empty groups out', () => {
    const groups = groupByChange([
      entry('small-new', 'appeared', null, 0.1),
      entry('big-new', 'appeared', null, 0.9),
      entry('grew-little', 'grew', 0.5, 0.6),
      entry('grew-much', 'grew', 0.1, 0.9),
      entry('gone-small', 'disappeared', 0.05, null),
      entry('gone-big', 'disappeared', 0.7, null),
      entry('shrank-little', 'shrank', 0.5, 0.45),
      entry('shrank-much', 'shrank', 0.9, 0.1),
    ]);
    expect(groups.map((g) => [g.change, g.entries.map((e) => e.frame)])).toEqual([
      ['appeared', ['big-new', 'small-new']],
      ['grew', ['grew-much', 'grew-little']],
      ['shrank', ['shrank-much', 'shrank-little']],
      ['disappeared', ['gone-big', 'gone-small']],
    ]);
  });

  it('keeps an entry of a change it does not know, with the unchanged ones', () => {
    const groups = groupByChange([entry('odd', 'moved', 0.2, 0.2)]);
    expect(groups).toEqual([{ change: 'same', entries: [expect.objectContaining({ frame: 'odd' })] }]);
  });
});

describe('formatShareChange', () => {
  it.each<[number | null, number | null, string]>([
    [0.31, 0.995, '+68.5 pts'],
    [0.6, 0.2, '−40.0 pts'],
    [null, 0.42, '+42.0 pts'],
    [0.88, null, '−88.0 pts'],
    [0.12, 0.12, '±0.0 pts'],
    [0.1200001, 0.12, '±0.0 pts'],
  ])('from %p to %p is %s', (base, other, text) => {
    expect(formatShareChange(base, other)).toBe(text);
  });
});
