import React, { useMemo, useState } from 'react';
import { Button, Stack, Text } from '@grafana/ui';
import type { Thread } from '../../api/types';
import { threadMatches } from '../../utils/threadSearch';
import { ThreadCard } from './ThreadCard';

// Stacks have variable height, so long lists are rendered in slices rather than all at once.
const SLICE = 200;

interface Props {
  threads: Thread[];
  query: string;
}

/** Threads ranked by CPU, busiest first, filtered by the search. */
export function ThreadList({ threads, query }: Props) {
  const [shown, setShown] = useState(SLICE);
  const ranked = useMemo(
    () =>
      threads
        .map((thread, i) => ({ thread, i }))
        .sort((a, b) => b.thread.cpuPercent - a.thread.cpuPercent || a.i - b.i)
        .map(({ thread }, i) => ({ thread, rank: i + 1 })),
    [threads]
  );
  const matching = useMemo(() => ranked.filter(({ thread }) => threadMatches(thread, query)), [ranked, query]);

  if (matching.length === 0) {
    return <Text color="secondary">{query ? `No thread matches “${query}”.` : 'No threads.'}</Text>;
  }
  return (
    <Stack direction="column" gap={1}>
      {query && (
        <Text color="secondary" variant="bodySmall">
          {matching.length} of {ranked.length} threads match
        </Text>
      )}
      {matching.slice(0, shown).map(({ thread, rank }) => (
        <ThreadCard key={`${thread.nid}-${rank}`} thread={thread} rank={rank} query={query} />
      ))}
      {matching.length > shown && (
        <Button variant="secondary" onClick={() => setShown(shown + SLICE)}>
          Show {Math.min(SLICE, matching.length - shown)} more of {matching.length - shown} threads
        </Button>
      )}
    </Stack>
  );
}
