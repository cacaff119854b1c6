// Every piece in the backend's contract examples (contract/evidence/<kind>.json, written by the
// rooms from real collections) must be shown by its kind's view, not as unreadable: this is
// where a change of a room's summary shape meets the frontend. The examples land with the
// rooms; until then there is nothing to check here.
import React from 'react';
import fs from 'fs';
import path from 'path';
import { render, screen } from '@testing-library/react';
import type { EvidencePiece } from '../api/types';
import { EvidencePieceView } from '../components/evidence/EvidencePieceView';
import { EVIDENCE_VIEWS } from '../components/evidence/registry';

const DIR = path.resolve(__dirname, '../../contract/evidence');
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.json')) : [];

(files.length > 0 ? describe : describe.skip)('contract/evidence examples', () => {
  it.each(files)('%s is shown by its kind’s view', (file) => {
    const piece = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as EvidencePiece;
    expect(Object.keys(EVIDENCE_VIEWS)).toContain(piece.kind);
    render(<EvidencePieceView captureId={7} piece={piece} />);
    expect(screen.getByTestId('evidence-piece')).toHaveAttribute('data-kind', piece.kind);
    expect(screen.queryByText(/not of a shape this version reads|not viewable in this version/)).toBeNull();
    expect(screen.queryByText(/Could not show this/)).toBeNull();
    if (piece.failure) {
      expect(screen.getByTestId('evidence-failure')).toHaveTextContent(piece.failure.reason);
    }
    if (piece.rawUrl) {
      expect(screen.getByRole('link', { name: /^Download / })).toHaveAttribute(
        'href',
        `/api/plugins/seed-stackcapture-app/resources/${piece.rawUrl}`
      );
    }
  });
});
