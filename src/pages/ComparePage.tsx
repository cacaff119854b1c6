import React, { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { locationUtil } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, LoadingPlaceholder, Stack, Text, TextLink } from '@grafana/ui';
import { compareCaptures } from '../api/client';
import type { CaptureComparison, CompareSide } from '../api/types';
import { ComparisonTable } from '../components/across/ComparisonTable';
import { groupByChange } from '../components/across/compareGroups';
import { capturePath } from '../constants';
import { epochMs } from '../utils/acrossPaths';
import { formatTime } from '../utils/format';

function captureId(v: string | null): number | undefined {
  const n = Number(v);
  return v !== null && Number.isInteger(n) && n > 0 ? n : undefined;
}

function sideLabel(side: CompareSide): string {
  return `Capture ${side.id} (${formatTime(epochMs(side.createdAt))})`;
}

/**
 * Two captures compared (base the earlier, other the later): which frames appeared, disappeared,
 * grew or shrank, with both shares. Opened from a capture's "compare with the previous capture".
 */
function ComparePage() {
  const [params] = useSearchParams();
  const base = captureId(params.get('base'));
  const other = captureId(params.get('other'));
  const [result, setResult] = useState<{ ask: string; comparison?: CaptureComparison; error?: string } | undefined>();
  const ask = `${base}:${other}`;
  const current = result?.ask === ask ? result : undefined;
  const groups = useMemo(() => groupByChange(current?.comparison?.entries ?? []), [current]);

  useEffect(() => {
    if (base === undefined || other === undefined) {
      return;
    }
    let cancelled = false;
    compareCaptures(base, other).then(
      (comparison) => !cancelled && setResult({ ask, comparison }),
      (e: Error) => !cancelled && setResult({ ask, error: e.message })
    );
    return () => {
      cancelled = true;
    };
  }, [ask, base, other]);

  const c = current?.comparison;
  return (
    <PluginPage pageNav={{ text: base && other ? `Compare ${base} with ${other}` : 'Compare captures' }}>
      {base === undefined || other === undefined ? (
        <Alert severity="info" title="Which captures?">
          {`This page compares two captures: its address needs base and other, two capture ids (got base "${params.get('base') ?? ''}", other "${params.get('other') ?? ''}").`}
        </Alert>
      ) : (
        <Stack direction="column" gap={2}>
          {current?.error && (
            <Alert severity="error" title="Could not compare the captures">
              {current.error}
            </Alert>
          )}
          {!current && <LoadingPlaceholder text="Comparing…" />}
          {c && (
            <>
              <Text>
                What changed from{' '}
                <TextLink href={locationUtil.assureBaseUrl(capturePath(c.base.id))} inline>
                  {sideLabel(c.base)}
                </TextLink>{' '}
                to{' '}
                <TextLink href={locationUtil.assureBaseUrl(capturePath(c.other.id))} inline>
                  {sideLabel(c.other)}
                </TextLink>
                : the frames hot in either, with their CPU in each (100% = one core).
              </Text>
              {groups.length === 0 ? (
                <Text color="secondary">Neither capture recorded a hot frame.</Text>
              ) : (
                <ComparisonTable
                  groups={groups}
                  baseLabel={`Before (${c.base.id})`}
                  otherLabel={`After (${c.other.id})`}
                />
              )}
            </>
          )}
        </Stack>
      )}
    </PluginPage>
  );
}

export default ComparePage;
