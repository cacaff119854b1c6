import React, { useMemo, useState } from 'react';
import { Alert, CollapsableSection, RadioButtonGroup, Stack, Text } from '@grafana/ui';
import { flameSources, type FlameCapture } from './flameSources';
import { FlameGraphView } from './FlameGraphView';

interface Props {
  capture: FlameCapture;
}

/**
 * The capture's flame graphs, below the ranked answer: a JVM's threads by CPU or a Go CPU
 * profile, one at a time with a switch when the capture holds several. Nothing when it holds none.
 */
export function FlameGraphSection({ capture }: Props) {
  // Built once per capture read, not on every render of the page (a search keystroke).
  const all = useMemo(() => flameSources(capture), [capture]);
  // Why a source has no graph is worth a word only when there is no graph at all: a JVM pod's
  // capture says "no pprof endpoint" in its evidence, not again beside its threads' graph.
  const sources = all.some((s) => s.tree) ? all.filter((s) => s.tree) : all;
  const [chosen, setChosen] = useState<string | undefined>();
  const [open, setOpen] = useState(true);
  if (sources.length === 0) {
    return null;
  }
  const source = sources.find((s) => s.key === chosen) ?? sources.find((s) => s.tree) ?? sources[0];
  return (
    <section aria-label="Flame graph">
      <CollapsableSection
        label={
          <Text element="h3" variant="h5">
            Flame graph
          </Text>
        }
        isOpen={open}
        onToggle={setOpen}
      >
        <Stack direction="column" gap={1}>
          <Stack direction="row" alignItems="center" wrap="wrap" gap={2}>
            {sources.length > 1 && (
              <RadioButtonGroup
                size="sm"
                options={sources.map((s) => ({ label: s.label, value: s.key }))}
                value={source.key}
                onChange={setChosen}
              />
            )}
            <Text color="secondary" variant="bodySmall">
              {source.key.startsWith('jvm-')
                ? 'Each thread under the root, its stack from the outermost frame, as wide as the CPU it used over the window.'
                : 'The CPU profile by call path: a function as wide as the CPU time spent in it and below it.'}
            </Text>
          </Stack>
          {source.tree ? (
            <FlameGraphView tree={source.tree} title={source.label} />
          ) : (
            <Alert severity="info" title={`No flame graph for the ${source.label}`}>
              {source.problem}
            </Alert>
          )}
        </Stack>
      </CollapsableSection>
    </section>
  );
}
