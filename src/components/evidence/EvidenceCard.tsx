import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, Box, LinkButton, Stack, Text, useStyles2 } from '@grafana/ui';
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
  const styles = useStyles2(getStyles);
  const origin = `${piece.source ? `${piece.source} · ` : ''}took ${formatMs(piece.tookMs)}`;
  const fileName = rawName ? `capture-${captureId}-${piece.container || 'pod'}-${rawName}` : undefined;
  const heading = piece.container ? `${title} · ${piece.container}` : title;
  return (
    <section aria-label={heading} data-testid="evidence-piece" data-kind={piece.kind}>
      <Box padding={1} borderColor="weak" borderStyle="solid" borderRadius="default">
        <Stack direction="column" gap={1}>
          {/* One line where it fits: where it came from is cut before the answer is pushed down. */}
          <div className={styles.head}>
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
            <div
              className={styles.origin}
              title={piece.path ? `${origin} (asked for ${piece.path})` : origin}
              data-testid="evidence-origin"
            >
              {piece.source && <span title={piece.path ? `asked for ${piece.path}` : undefined}>{piece.source}</span>}
              {piece.source && ' · '}took {formatMs(piece.tookMs)}
            </div>
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
                  title={rawNote}
                >
                  {`Download ${rawName ?? 'raw'}${piece.rawBytes !== undefined ? ` (${formatSize(piece.rawBytes)})` : ''}`}
                </LinkButton>
                {rawNote && (
                  <span className={styles.rawNote}>
                    <Text color="secondary" variant="bodySmall">
                      {rawNote}
                    </Text>
                  </span>
                )}
              </Stack>
            )}
          </div>
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

const getStyles = (theme: GrafanaTheme2) => ({
  head: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'baseline',
    columnGap: theme.spacing(1),
    rowGap: theme.spacing(0.5),
  }),
  // Takes what the heading and the download leave, cut with all of it on hover; a line of its own
  // only when less than 10em is left.
  origin: css({
    flex: '1 1 10em',
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  // How to open the download is on its hover on a narrow screen.
  rawNote: css({
    [theme.breakpoints.down('md')]: {
      display: 'none',
    },
  }),
});
