import React from 'react';
import { ErrorBoundaryAlert } from '@grafana/ui';
import type { EvidencePiece } from '../../api/types';
import { EvidenceCard } from './EvidenceCard';
import { resolveView } from './registry';
import { UnknownEvidenceView } from './UnknownEvidenceView';

interface Props {
  captureId: number;
  piece: EvidencePiece;
}

/** One piece of evidence in its card, with the view its kind registers. */
export function EvidencePieceView({ captureId, piece }: Props) {
  const view = resolveView(piece);
  return (
    <EvidenceCard captureId={captureId} piece={piece} title={view.title} rawName={view.rawName} rawNote={view.rawNote}>
      {view.missing && <UnknownEvidenceView kind={piece.kind} unreadable={view.missing === 'unreadable'} />}
      {view.content && (
        // A summary the view trips over costs this card, not the page.
        <ErrorBoundaryAlert title={`Could not show this ${piece.kind} evidence`} dependencies={[piece]}>
          {view.content}
        </ErrorBoundaryAlert>
      )}
    </EvidenceCard>
  );
}
