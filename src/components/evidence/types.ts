import type { EvidencePiece } from '../../api/types';

/** What every kind's view gets: its piece and the piece's summary, already checked to be of its kind's shape. */
export interface EvidenceViewProps<S> {
  piece: EvidencePiece;
  summary: S;
}
