import type { CompareEntry, FrameChange } from '../../api/types';

/** The groups of a comparison, in the order they are read: what is new or hotter first. */
export const CHANGE_ORDER: FrameChange[] = ['appeared', 'grew', 'shrank', 'disappeared', 'same'];

export const CHANGE_TITLE: Record<FrameChange, string> = {
  appeared: 'Appeared',
  grew: 'Grew',
  shrank: 'Shrank',
  disappeared: 'Disappeared',
  same: 'Unchanged',
};

export type ChangeTone = 'error' | 'success' | 'secondary';

/** The later share's color per change: hotter is bad news, cooler good. */
export const CHANGE_TONE: Record<FrameChange, ChangeTone> = {
  appeared: 'error',
  grew: 'error',
  shrank: 'success',
  disappeared: 'success',
  same: 'secondary',
};

export interface ChangeGroup {
  change: FrameChange;
  entries: CompareEntry[];
}

function share(v: number | null): number {
  return v ?? 0;
}

/**
 * A comparison's entries grouped by change, each group the largest first: by the later share
 * for what appeared or grew, by the earlier share for what disappeared, by the size of the change
 * for what shrank. Empty groups are left out; an unknown change (a newer backend) goes with
 * "same" rather than being lost.
 */
export function groupByChange(entries: readonly CompareEntry[]): ChangeGroup[] {
  const groups = new Map<FrameChange, CompareEntry[]>(CHANGE_ORDER.map((c) => [c, []]));
  for (const e of entries) {
    (groups.get(e.change) ?? groups.get('same')!).push(e);
  }
  const weight: Record<FrameChange, (e: CompareEntry) => number> = {
    appeared: (e) => share(e.otherShare),
    grew: (e) => share(e.otherShare) - share(e.baseShare),
    shrank: (e) => share(e.baseShare) - share(e.otherShare),
    disappeared: (e) => share(e.baseShare),
    same: (e) => share(e.otherShare),
  };
  return CHANGE_ORDER.flatMap((change) => {
    const list = groups.get(change)!;
    return list.length === 0
      ? []
      : [{ change, entries: [...list].sort((a, b) => weight[change](b) - weight[change](a)) }];
  });
}

/**
 * The difference of two shares in percentage points of one core, as CPU is shown: "+68.5 pts",
 * "−40.0 pts", "±0.0 pts"; an absent share counts as none.
 */
export function formatShareChange(base: number | null, other: number | null): string {
  const pts = Number(((share(other) - share(base)) * 100).toFixed(1));
  return pts > 0 ? `+${pts.toFixed(1)} pts` : pts < 0 ? `−${(-pts).toFixed(1)} pts` : '±0.0 pts';
}
