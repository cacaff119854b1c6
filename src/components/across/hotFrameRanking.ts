import type { HotFrame } from '../../api/types';
import { epochMs } from '../../utils/acrossPaths';

/**
 * Hot frames in the order a person on call reads them: those that came back in the most
 * captures first, then the higher mean share (unmeasured last), then the most recently seen.
 * The backend's order is not relied on, so the page ranks the same whatever it serves.
 */
export function rankHotFrames(frames: readonly HotFrame[]): HotFrame[] {
  return frames
    .map((frame, i) => ({ frame, i }))
    .sort(
      (a, b) =>
        b.frame.captures - a.frame.captures ||
        (b.frame.share ?? -1) - (a.frame.share ?? -1) ||
        (epochMs(b.frame.lastSeen) ?? 0) - (epochMs(a.frame.lastSeen) ?? 0) ||
        a.i - b.i
    )
    .map(({ frame }) => frame);
}
