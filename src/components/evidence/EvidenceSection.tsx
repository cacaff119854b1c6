import React, { useMemo } from 'react';
import { Stack } from '@grafana/ui';
import type { CaptureDetail } from '../../api/types';
import { orderPieces } from '../../utils/evidence';
import { EvidencePieceView } from './EvidencePieceView';

interface Props {
  capture: CaptureDetail;
}

/**
 * Every piece of a capture's evidence besides the JVM threads, the answer to what the alert
 * asked first (a CPU capture: the Go CPU profile; a memory capture: the heap), pieces that
 * failed outright last.
 */
export function EvidenceSection({ capture }: Props) {
  const pieces = useMemo(() => orderPieces(capture.evidence ?? [], capture.focus), [capture.evidence, capture.focus]);
  if (pieces.length === 0) {
    return null;
  }
  return (
    <section aria-label="Evidence" data-testid="evidence-section">
      <Stack direction="column" gap={1}>
        {pieces.map((p) => (
          <EvidencePieceView key={p.id} captureId={capture.id} piece={p} />
        ))}
      </Stack>
    </section>
  );
}
