import React, { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { TimeRange } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Field, LoadingPlaceholder, Stack, Text, TimeRangeInput } from '@grafana/ui';
import { getHotFrames } from '../api/client';
import type { HotFrames, WorkloadKey } from '../api/types';
import { HotFramesResult } from '../components/across/HotFramesResult';
import { paramsOfRange, rangeOfParams } from '../components/across/workloadRange';
import { workloadName } from '../utils/acrossPaths';

/** Frames asked for: more than a screen, few enough to read. */
const HOT_FRAMES_LIMIT = 50;

const KEY_PARAMS = ['namespace', 'kind', 'name'] as const;

/**
 * One workload's captures read across a time range: the frames that were hottest, in how many of
 * the captures, how hot on average, since when, and the last capture each was hot in. Opened
 * from a capture's page; its URL (cluster, namespace, kind, name, from, to) is a permalink.
 */
function WorkloadPage() {
  const [params, setParams] = useSearchParams();
  const cluster = params.get('cluster') ?? '';
  const namespace = params.get('namespace') ?? '';
  const kind = params.get('kind') ?? '';
  const name = params.get('name') ?? '';
  const key: WorkloadKey = { cluster, namespace, kind, name };
  const missing = KEY_PARAMS.filter((k) => key[k] === '');
  const fromParam = params.get('from');
  const toParam = params.get('to');
  const range = useMemo(() => rangeOfParams(fromParam, toParam), [fromParam, toParam]);
  const [result, setResult] = useState<{ ask: string; hot?: HotFrames; error?: string } | undefined>();

  // The result belongs to one workload and range; a stale one means loading.
  const ask = JSON.stringify([cluster, namespace, kind, name, fromParam, toParam]);
  const current = result?.ask === ask ? result : undefined;
  const complete = missing.length === 0;

  useEffect(() => {
    if (!complete) {
      return;
    }
    let cancelled = false;
    // Relative ranges ("now-7d") are evaluated when asked.
    const now = rangeOfParams(fromParam, toParam);
    const q = { cluster, namespace, kind, name, from: now.from.valueOf(), to: now.to.valueOf() };
    getHotFrames({ ...q, limit: HOT_FRAMES_LIMIT }).then(
      (hot) => !cancelled && setResult({ ask, hot }),
      (e: Error) => !cancelled && setResult({ ask, error: e.message })
    );
    return () => {
      cancelled = true;
    };
  }, [ask, complete, cluster, namespace, kind, name, fromParam, toParam]);

  const onRangeChange = (next: TimeRange) => {
    const p = new URLSearchParams(params);
    const { from, to } = paramsOfRange(next);
    p.set('from', from);
    p.set('to', to);
    setParams(p, { replace: true });
  };

  const title = complete ? `Hot frames of ${workloadName(key)}` : 'Hot frames of a workload';
  return (
    <PluginPage pageNav={{ text: title }}>
      {!complete ? (
        <Alert severity="info" title="Which workload?">
          {`This page reads the captures of one workload. Open it from a capture (“This workload’s hot frames”): its address needs ${missing.join(', ')}.`}
        </Alert>
      ) : (
        <Stack direction="column" gap={2}>
          <Stack direction="row" alignItems="flex-end" wrap="wrap" gap={2}>
            <Stack direction="column" gap={0.5}>
              <Text element="h2" variant="h4">
                {workloadName(key)}
              </Text>
              <Text color="secondary" variant="bodySmall">
                {key.cluster && `cluster ${key.cluster} · `}namespace {key.namespace} · the frames that were hottest in
                its captures, in how many of them, and since when
              </Text>
            </Stack>
            <Field label="Time range" noMargin>
              <TimeRangeInput value={range} onChange={onRangeChange} />
            </Field>
          </Stack>
          {current?.error && (
            <Alert severity="error" title="Could not read the workload's captures">
              {current.error}
            </Alert>
          )}
          {!current && <LoadingPlaceholder text="Reading the workload's captures…" />}
          {current?.hot && <HotFramesResult hot={current.hot} />}
        </Stack>
      )}
    </PluginPage>
  );
}

export default WorkloadPage;
