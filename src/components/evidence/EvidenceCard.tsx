import React from 'react';
import { Badge, Box, LinkButton, Stack, Text } from '@grafana/ui';
import { evidenceRawHref } from '../../api/client';
import type { EvidencePiece } from '../../api/types';
import { formatSize } from '../../utils/evidence';
import { formatMs } from '../../utils/duration';
import { EvidenceFailureLine } from './EvidenceFailureLine';

interface Props {
  captureId: number;
  piece: EvidencePiece;
  /** What the kind is, as a heading: "Go CPU profile". */
  title: string;
  /** The raw download's file name suffix ("cpu.pb.gz"), as the server names it. */
  rawName?: string;
  /** How to open the raw download ("open with go tool pprof"). */
  rawNote?: string;
  children?: React.ReactNode;
}

/**
 * One piece of evidence with what every kind says alike: where it came from, how long it took,
 * whether it was cut, why it failed, and its raw download. The kind's view is the children.
 */
export function EvidenceCard({ captureId, piece, title, rawName, rawNote, children }: Props) {
  const fileName = rawName ? `capture-${captureId}-${piece.container || 'pod'}-${rawName}` : undefined;
  const heading = piece.container ? `${title} · ${piece.container}` : title;
  return (
    <section aria-label={heading} data-testid="evidence-piece" data-kind={piece.kind}>
      <Box padding={1} borderColor="weak" borderStyle="solid" borderRadius="default">
        <Stack direction="column" gap={1}>
          <Stack direction="row" alignItems="baseline" wrap="wrap" gap={1}>
            <Text element="h3" variant="h5">
              {heading}
            </Text>
            {piece.truncated && (
              <Badge
                text="truncated"
                color="orange"
                icon="exclamation-triangle"
                tooltip="The raw output reached the size limit (maxOutputBytes): the summary covers what arrived."
              />
            )}
            <Text color="secondary" variant="bodySmall">
              {piece.source && <span title={piece.path ? `asked for ${piece.path}` : undefined}>{piece.source}</span>}
              {piece.source && ' · '}took {formatMs(piece.tookMs)}
            </Text>
            {piece.rawUrl && (
              <Stack direction="row" alignItems="center" gap={0.5}>
                {/* A plain link, not the SPA router: the server answers with an attachment. */}
                <LinkButton
                  size="sm"
                  variant="secondary"
                  fill="text"
                  icon="download-alt"
                  href={evidenceRawHref(piece.rawUrl)}
                  download={fileName ?? true}
                >
                  {`Download ${rawName ?? 'raw'}${piece.rawBytes !== undefined ? ` (${formatSize(piece.rawBytes)})` : ''}`}
                </LinkButton>
                {rawNote && (
                  <Text color="secondary" variant="bodySmall">
                    {rawNote}
                  </Text>
                )}
              </Stack>
            )}
          </Stack>
          {piece.failure && (
            <EvidenceFailureLine
              reason={piece.failure.reason}
              message={piece.failure.message}
              severity={piece.summary === null || piece.summary === undefined ? 'error' : 'warning'}
            />
          )}
          {children}
        </Stack>
      </Box>
    </section>
  );
}
