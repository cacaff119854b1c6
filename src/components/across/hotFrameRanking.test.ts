import type { HotFrame } from '../../api/types';
import { hotFrames } from '../../test/acrossFixtures';
import { rankHotFrames } from './hotFrameRanking';

function frame(name: string, captures: number, share: number | null, lastSeen: string): HotFrame {
  return { frame: name, captures, share, firstSeen: '2026-11-01T00:00:00Z', lastSeen, lastCaptureId: 1 };
}

describe('rankHotFrames', () => {
  it('ranks the contract example the same whatever order it is served in', () => {
    const served = hotFrames().frames;
    const ranked = rankHotFrames(served).map((f) => f.frame);
    expect(rankHotFrames([...served].reverse()).map((f) => f.frame)).toEqual(ranked);
    expect(ranked[0]).toBe('com.acme.checkout.PriceCalculator.applyDiscounts');
  });

  it('puts the most captures first, then the higher share, unmeasured last, then the latest seen', () => {
    const ranked = rankHotFrames([
      frame('rare-but-hot', 1, 2.0, '2026-11-22T10:00:00Z'),
      frame('often-unmeasured', 5, null, '2026-11-22T10:00:00Z'),
      frame('often-cool', 5, 0.2, '2026-11-20T10:00:00Z'),
      frame('often-hot-old', 5, 0.9, '2026-11-18T10:00:00Z'),
      frame('often-hot-new', 5, 0.9, '2026-11-21T10:00:00Z'),
    ]).map((f) => f.frame);
    expect(ranked).toEqual(['often-hot-new', 'often-hot-old', 'often-cool', 'often-unmeasured', 'rare-but-hot']);
  });
});
