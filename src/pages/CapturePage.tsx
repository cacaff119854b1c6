import React, { useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Alert, FilterInput, LoadingPlaceholder, Stack } from '@grafana/ui';
import { getCapture } from '../api/client';
import type { CaptureDetail } from '../api/types';
import { AlertInfo } from '../components/capture/AlertInfo';
import { CaptureHeader } from '../components/capture/CaptureHeader';
import { CaptureOutcome } from '../components/capture/CaptureOutcome';
import { ProcessView } from '../components/capture/ProcessView';

// How often an unfinished capture is re-read.
const POLL_MS = 2000;

/** One capture's permalink page. */
function CapturePage() {
  const { id } = useParams<{ id: string }>();
  const captureId = Number(id);
  const validId = Number.isInteger(captureId) && captureId > 0;
  const [loaded, setLoaded] = useState<{ id: number; capture?: CaptureDetail; error?: string } | undefined>();
  const [query, setQuery] = useState('');

  useEffect(() => {
    if (!validId) {
      return;
    }
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () =>
      getCapture(captureId).then(
        (c) => {
          if (cancelled) {
            return;
          }
          setLoaded({ id: captureId, capture: c });
          if (c.status === 'queued' || c.status === 'running') {
            timer = setTimeout(load, POLL_MS);
          }
        },
        (e: Error) => !cancelled && setLoaded({ id: captureId, error: e.message })
      );
    load();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [captureId, validId]);

  const current = loaded?.id === captureId ? loaded : undefined;
  const capture = current?.capture;
  const error = validId ? current?.error : `"${id}" is not a capture id`;

  return (
    <PluginPage pageNav={{ text: `Capture ${id}` }}>
      {error && (
        <Alert severity="error" title="Could not load the capture">
          {error}
        </Alert>
      )}
      {!capture && !error && <LoadingPlaceholder text="Loading capture…" />}
      {capture && (
        <Stack direction="column" gap={2}>
          <CaptureHeader capture={capture} />
          <CaptureOutcome capture={capture} />
          {capture.alert && <AlertInfo alert={capture.alert} />}
          {capture.processes.length > 0 && (
            <FilterInput
              placeholder="Search thread names and stack frames"
              value={query}
              onChange={setQuery}
              escapeRegex={false}
            />
          )}
          {capture.processes.map((p) => (
            <ProcessView key={`${p.container ?? ''}-${p.pid}`} process={p} query={query} />
          ))}
        </Stack>
      )}
    </PluginPage>
  );
}

export default CapturePage;
