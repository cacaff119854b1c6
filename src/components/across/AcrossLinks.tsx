import React, { useEffect, useState } from 'react';
import { locationUtil } from '@grafana/data';
import { LinkButton, Stack, Text } from '@grafana/ui';
import { getPreviousCapture } from '../../api/client';
import type { CaptureDetail, WithWorkload } from '../../api/types';
import { comparePath, workloadName, workloadPath } from '../../utils/acrossPaths';

interface Props {
  capture: Pick<CaptureDetail, 'id' | 'status' | 'cluster' | 'namespace'> & WithWorkload;
}

/**
 * From one capture to its workload's others: its hot frames over the last week, and a comparison
 * with the previous done capture of the same workload (hidden when there is none). Nothing when
 * the capture's workload is unknown.
 */
export function AcrossLinks({ capture }: Props) {
  const { id, status, workload } = capture;
  const [previous, setPrevious] = useState<{ id: number; previous?: number; error?: string } | undefined>();
  const known = workload != null && workload.kind !== '' && workload.name !== '';
  // Only a done capture has frames to compare.
  const comparable = known && status === 'done';

  useEffect(() => {
    if (!comparable) {
      return;
    }
    let cancelled = false;
    getPreviousCapture(id).then(
      (p) => !cancelled && setPrevious({ id, previous: p?.id }),
      (e: Error) => !cancelled && setPrevious({ id, error: e.message })
    );
    return () => {
      cancelled = true;
    };
  }, [id, comparable]);

  if (!known) {
    return null;
  }
  const current = previous?.id === id ? previous : undefined;
  const hotFramesHref = locationUtil.assureBaseUrl(
    workloadPath({ cluster: capture.cluster, namespace: capture.namespace, kind: workload.kind, name: workload.name })
  );
  return (
    <Stack direction="row" alignItems="center" wrap="wrap" gap={1}>
      <Text color="secondary" variant="bodySmall">
        {workloadName(workload)}:
      </Text>
      <LinkButton size="sm" variant="secondary" fill="text" icon="fire" href={hotFramesHref}>
        This workload{'’'}s hot frames
      </LinkButton>
      {current?.previous !== undefined && (
        <LinkButton
          size="sm"
          variant="secondary"
          fill="text"
          icon="exchange-alt"
          href={locationUtil.assureBaseUrl(comparePath(current.previous, id))}
        >
          Compare with the previous capture of this workload
        </LinkButton>
      )}
      {current?.error && (
        <Text color="secondary" variant="bodySmall" italic>
          {`(the previous capture could not be looked up: ${current.error})`}
        </Text>
      )}
    </Stack>
  );
}
