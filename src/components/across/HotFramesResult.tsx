import React, { useMemo } from 'react';
import { Stack, Text } from '@grafana/ui';
import type { HotFrames } from '../../api/types';
import { epochMs } from '../../utils/acrossPaths';
import { formatTime } from '../../utils/format';
import { HotFramesTable } from './HotFramesTable';
import { rankHotFrames } from './hotFrameRanking';

interface Props {
  hot: HotFrames;
}

/** What GET /workloads/hot-frames answered: how many captures, and their hot frames ranked. */
export function HotFramesResult({ hot }: Props) {
  const frames = useMemo(() => rankHotFrames(hot.frames), [hot.frames]);
  const span = `between ${formatTime(epochMs(hot.from))} and ${formatTime(epochMs(hot.to))}`;
  if (hot.captures === 0) {
    return <Text color="secondary">No capture of this workload {span}. Widen the time range.</Text>;
  }
  return (
    <Stack direction="column" gap={1}>
      <Text>
        {hot.captures === 1 ? '1 capture' : `${hot.captures} captures`} {span}
        {frames.length === 0 && ': none of them recorded a hot frame.'}
      </Text>
      {frames.length > 0 && <HotFramesTable frames={frames} captures={hot.captures} />}
    </Stack>
  );
}
