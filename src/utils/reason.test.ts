import { captureList } from '../test/fixtures';
import { formatClock } from './format';
import { nextAllowedText, reasonText } from './reason';

const clock = (ms: number) => formatClock(ms, 'utc');
const row = { namespace: 'shop', pod: 'checkout-7d9f8c6b5-x2x4q', container: 'app', nextAllowedAt: null };

describe('reasonText', () => {
  it.each([
    [
      "the contract's cooldown, for a row that shows the pod",
      {
        ...row,
        error:
          'cooldown: shop/checkout-7d9f8c6b5-x2x4q/app was captured at 2026-11-22T10:33:25Z; next capture allowed after 2026-11-22T10:43:25Z',
        nextAllowedAt: Date.parse('2026-11-22T10:43:26Z'),
      },
      true,
      'cooldown: was captured at 10:33:25',
    ],
    [
      "the backend's cooldown wording, target kept",
      {
        ...row,
        error:
          'cooldown: shop/checkout-7d9f8c6b5-x2x4q/app was captured less than 10m0s ago; next capture allowed after 2026-11-22T10:43:25Z',
        nextAllowedAt: Date.parse('2026-11-22T10:43:26Z'),
      },
      false,
      'cooldown: shop/checkout-7d9f8c6b5-x2x4q/app was captured less than 10m0s ago',
    ],
    [
      'a pod-level target while the container is unresolved',
      { ...row, container: '', error: 'pod shop/checkout-7d9f8c6b5-x2x4q has no running container' },
      true,
      'pod has no running container',
    ],
    [
      'no nextAllowedAt: the clause stays, its time formatted',
      { ...row, error: 'skipped; next capture allowed after 2026-11-22T10:43:25+00:00' },
      false,
      'skipped; next capture allowed after 10:43:25',
    ],
    [
      'a failure without times is unchanged',
      {
        ...row,
        error: 'exec into shop/checkout-7d9f8c6b5-x2x4q: forbidden: cannot create pods/exec in namespace "shop"',
      },
      false,
      'exec into shop/checkout-7d9f8c6b5-x2x4q: forbidden: cannot create pods/exec in namespace "shop"',
    ],
    [
      'regular expression characters in names are literal',
      { ...row, pod: 'a.b', container: 'c', error: 'cooldown: shop/a.b/c was captured; shop/aXb/c is another' },
      true,
      'cooldown: was captured; shop/aXb/c is another',
    ],
  ])('%s', (_, capture, dropTarget, want) => expect(reasonText(capture, { time: clock, dropTarget })).toBe(want));

  it('leaves each contract reason with at most one "allowed" time', () => {
    for (const c of captureList().captures.filter((c) => c.error)) {
      const text = `${reasonText(c, { time: clock, dropTarget: true })} ${nextAllowedText(c, clock)}`;
      expect(text.match(/allowed/g)?.length ?? 0).toBeLessThanOrEqual(1);
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    }
  });
});
