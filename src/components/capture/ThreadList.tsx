import React, { useMemo, useState } from 'react';
import { Button, Stack, Text } from '@grafana/ui';
import { threadAnchor, type RankedThread } from '../../utils/ranking';
import { threadMatches } from '../../utils/threadSearch';
import { ThreadCard } from './ThreadCard';

// Stacks have variable height, so long lists are rendered in slices rather than all at once.
const SLICE = 200;

interface Props {
  ranked: RankedThread[];
  processIndex: number;
  query: string;
  /** A rank whose card must be rendered even beyond the current slice. */
  revealRank?: number;
}

/** Threads ranked by CPU, busiest first, filtered by the search; each card has its rank's anchor. */
export function ThreadList({ ranked, processIndex, query, revealRank }: Props) {
  const [sliceEnd, setSliceEnd] = useState(SLICE);
  const matching = useMemo(() => ranked.filter(({ thread }) => threadMatches(thread, query)), [ranked, query]);

  if (matching.length === 0) {
    return <Text color="secondary">{query ? `No thread matches “${query}”.` : 'No threads.'}</Text>;
  }
  const revealAt = revealRank === undefined ? -1 : matching.findIndex((r) => r.rank === revealRank);
  const shown = Math.max(sliceEnd, revealAt + 1);
  return (
    <Stack direction="column" gap={1}>
      {query && (
        <Text color="secondary" variant="bodySmall">
          {matching.length} of {ranked.length} threads match
        </Text>
      )}
      {matching.slice(0, shown).map(({ thread, rank }) => (
        <ThreadCard key={rank} anchor={threadAnchor(processIndex, rank)} thread={thread} rank={rank} query={query} />
      ))}
      {matching.length > shown && (
        <Button variant="secondary" onClick={() => setSliceEnd(shown + SLICE)}>
          Show {Math.min(SLICE, matching.length - shown)} more of {matching.length - shown} threads
        </Button>
      )}
    </Stack>
  );
}
