import React, { useCallback, useEffect, useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Alert, Box, FilterInput, LoadingPlaceholder, Stack, Text } from '@grafana/ui';
import { getCapture } from '../api/client';
import type { CaptureDetail } from '../api/types';
import { AcrossLinks } from '../components/across/AcrossLinks';
import { AlertInfo } from '../components/capture/AlertInfo';
import { CaptureHeader } from '../components/capture/CaptureHeader';
import { CaptureOutcome } from '../components/capture/CaptureOutcome';
import { BusiestThreads } from '../components/capture/BusiestThreads';
import { DeadlockSection } from '../components/capture/DeadlockSection';
import { EvidenceSection } from '../components/evidence/EvidenceSection';
import { ProcessView } from '../components/capture/ProcessView';
import { FlameGraphSection } from '../components/flame/FlameGraphSection';
import { parseThreadAnchor, rankThreads, threadAnchor } from '../utils/ranking';

// How often an unfinished capture is re-read.
const POLL_MS = 2000;
// The id of the section with every thread card.
const STACKS_ANCHOR = 'thread-stacks';

/** One capture's permalink page. */
function CapturePage() {
  const { id } = useParams<{ id: string }>();
  const captureId = Number(id);
  const validId = Number.isInteger(captureId) && captureId > 0;
  const [loaded, setLoaded] = useState<{ id: number; capture?: CaptureDetail; error?: string } | undefined>();
  const [query, setQuery] = useState('');
  // The card the user last jumped to; a counter, so jumping to the same card again scrolls again.
  const [jump, setJump] = useState<{ anchor: string; n: number } | undefined>();

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
  const ranked = useMemo(() => (capture?.processes ?? []).map((p) => rankThreads(p.threads ?? [])), [capture]);
  const jumped = jump ? parseThreadAnchor(jump.anchor) : undefined;
  const memoryFirst = capture?.focus === 'memory';

  // A search could hide the card: jumping clears it, then scrolls once the card is rendered.
  const onJump = useCallback((anchor: string) => {
    setQuery('');
    setJump((j) => ({ anchor, n: (j?.n ?? 0) + 1 }));
  }, []);
  useEffect(() => {
    if (!jump) {
      return;
    }
    const target = document.getElementById(jump.anchor);
    target?.scrollIntoView?.({ block: 'start', behavior: 'smooth' });
    target?.focus({ preventScroll: true });
  }, [jump]);

  return (
    <PluginPage pageNav={{ text: `Capture ${id}` }}>
      {error && (
        <Alert severity="error" title="Could not load the capture">
          {error}
        </Alert>
      )}
      {!capture && !error && <LoadingPlaceholder text="Loading capture…" />}
      {capture && (
        // Narrow (a split window, a phone on call) the sections sit closer: the answer's first
        // row must be inside a 600×400 screen.
        <Stack direction="column" gap={{ xs: 1, md: 2 }}>
          <CaptureHeader capture={capture} />
          <AcrossLinks capture={capture} />
          {capture.alert && <AlertInfo alert={capture.alert} />}
          <CaptureOutcome capture={capture} />
          {/* A memory capture's answer is the heap, before the threads it also sampled. */}
          {memoryFirst && <EvidenceSection capture={capture} />}
          {capture.processes.map((p, i) => (
            <Stack key={`answer-${i}`} direction="column" gap={1}>
              <BusiestThreads
                process={p}
                processIndex={i}
                ranked={ranked[i]}
                onJump={onJump}
                stacksAnchor={STACKS_ANCHOR}
              />
              <DeadlockSection
                deadlocks={p.deadlocks ?? []}
                anchorOf={(name) => {
                  const hit = ranked[i].find((r) => r.thread.name === name);
                  return hit && threadAnchor(i, hit.rank);
                }}
                onJump={onJump}
                storedThreads={ranked[i].length}
              />
            </Stack>
          ))}
          {!memoryFirst && <EvidenceSection capture={capture} />}
          <FlameGraphSection capture={capture} />
          {capture.processes.length > 0 && (
            <section id={STACKS_ANCHOR} aria-label="Thread stacks" tabIndex={-1}>
              <Stack direction="column" gap={2}>
                <Stack direction="row" alignItems="center" gap={2}>
                  <Box shrink={0}>
                    <Text element="h3" variant="h5">
                      Thread stacks
                    </Text>
                  </Box>
                  <FilterInput
                    placeholder="Search thread names and stack frames"
                    value={query}
                    onChange={setQuery}
                    escapeRegex={false}
                  />
                </Stack>
                {capture.processes.map((p, i) => (
                  <ProcessView
                    key={`${p.container ?? ''}-${p.pid}-${i}`}
                    process={p}
                    processIndex={i}
                    ranked={ranked[i]}
                    query={query}
                    revealRank={jumped?.processIndex === i ? jumped.rank : undefined}
                  />
                ))}
              </Stack>
            </section>
          )}
        </Stack>
      )}
    </PluginPage>
  );
}

export default CapturePage;
