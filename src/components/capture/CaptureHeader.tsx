import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { config } from '@grafana/runtime';
import { ClipboardButton, LinkButton, Stack, Text, useStyles2 } from '@grafana/ui';
import { rawDumpHref } from '../../api/client';
import type { CaptureDetail } from '../../api/types';
import { capturePath } from '../../constants';
import { formatMs } from '../../utils/duration';
import { formatTime, podContainer } from '../../utils/format';
import { StatusBadge } from '../shared/StatusBadge';

interface Props {
  capture: CaptureDetail;
}

/** Where and when the capture ran, one line: what a narrow screen cuts is on hover. */
export function captureFacts(capture: CaptureDetail): string {
  return [
    capture.cluster && `cluster ${capture.cluster}`,
    `namespace ${capture.namespace}`,
    `node ${capture.node || 'unknown'}`,
    `${capture.trigger} capture by ${capture.requestedBy || 'unknown'}`,
    `created ${formatTime(capture.createdAt)}${capture.finishedAt !== null ? `, finished ${formatTime(capture.finishedAt)}` : ''}`,
    capture.windowMs > 0 && `sampled over ${formatMs(capture.windowMs)}`,
    capture.workload && `${capture.workload.kind} ${capture.workload.name}`,
    capture.focus && `focus ${capture.focus}`,
  ]
    .filter(Boolean)
    .join(' · ');
}

/**
 * Where and when the capture ran, with the download and copy-link actions, in two lines: the
 * busiest threads (or the Go profile) below must fit above the fold. The JVM is said once, with
 * its stacks. On a narrow screen the facts stay on one line, cut, all of them on hover.
 */
export function CaptureHeader({ capture }: Props) {
  const styles = useStyles2(getStyles);
  const permalink = `${window.location.origin}${config.appSubUrl ?? ''}${capturePath(capture.id)}`;
  const facts = captureFacts(capture);
  return (
    <Stack direction="column" gap={0.5}>
      <Stack direction="row" alignItems="center" wrap="wrap" gap={1}>
        <Text element="h2" variant="h4">
          {podContainer(capture.pod, capture.container)}
        </Text>
        <StatusBadge status={capture.status} reason={capture.error} />
        <Stack direction="row" gap={1} flex={1} justifyContent="flex-end">
          {/* On a narrow screen the buttons keep their icons only: the header stays one row. */}
          {capture.processes.length > 0 && (
            <LinkButton
              size="sm"
              variant="secondary"
              icon="download-alt"
              href={rawDumpHref(capture.id)}
              download
              aria-label="Download raw dump"
              title="Download raw dump"
            >
              <span className={styles.label}>Download raw dump</span>
            </LinkButton>
          )}
          <ClipboardButton
            size="sm"
            variant="secondary"
            icon="link"
            getText={() => permalink}
            aria-label="Copy link"
            title="Copy link"
          >
            <span className={styles.label}>Copy link</span>
          </ClipboardButton>
        </Stack>
      </Stack>
      <div className={styles.facts} title={facts} data-testid="capture-facts">
        {facts}
      </div>
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  label: css({
    [theme.breakpoints.down('md')]: { display: 'none' },
  }),
  facts: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    lineHeight: theme.typography.bodySmall.lineHeight,
    [theme.breakpoints.down('md')]: {
      overflow: 'hidden',
      textOverflow: 'ellipsis',
      whiteSpace: 'nowrap',
    },
  }),
});
