import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { CompareEntry } from '../../api/types';
import { formatShare } from '../../utils/acrossPaths';
import { formatShareChange, type ChangeTone } from './compareGroups';
import { ShareBar } from '../shared/ShareBar';

interface Props {
  entry: CompareEntry;
  /** The later share's color: hotter is bad news, cooler good. */
  tone: ChangeTone;
}

/** One frame of a comparison: the frame and its thread, both shares, and the change in points. */
export function ComparisonRow({ entry: e, tone }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <tr>
      <td>
        <span className={styles.frame} title={e.frame}>
          {e.frame}
        </span>
        {e.thread && (
          <span className={styles.thread} title={e.thread}>
            in thread {e.thread}
          </span>
        )}
      </td>
      <td>
        <ShareBar share={e.baseShare} label="share before" text={formatShare(e.baseShare)} tone="secondary" />
      </td>
      <td>
        <ShareBar share={e.otherShare} label="share after" text={formatShare(e.otherShare)} tone={tone} />
      </td>
      <td className={styles.change}>{formatShareChange(e.baseShare, e.otherShare)}</td>
    </tr>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  frame: css({
    display: 'block',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  thread: css({
    display: 'block',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  change: css({
    whiteSpace: 'nowrap',
    fontVariantNumeric: 'tabular-nums',
    textAlign: 'right',
  }),
});
