import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { CHANGE_TITLE, CHANGE_TONE, type ChangeGroup } from './compareGroups';
import { ComparisonRow } from './ComparisonRow';

interface Props {
  groups: ChangeGroup[];
  baseLabel: string;
  otherLabel: string;
}

/** Two captures' frames side by side, grouped by what changed, with both shares as bars. */
export function ComparisonTable({ groups, baseLabel, otherLabel }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <table className={styles.table}>
      <thead>
        <tr>
          <th scope="col">Frame</th>
          <th scope="col" className={styles.shareCol}>
            {baseLabel}
          </th>
          <th scope="col" className={styles.shareCol}>
            {otherLabel}
          </th>
          <th scope="col" className={styles.changeCol}>
            Change
          </th>
        </tr>
      </thead>
      {groups.map((g) => (
        <tbody key={g.change} data-testid={`change-${g.change}`}>
          <tr>
            <th scope="rowgroup" colSpan={4} className={styles.group}>
              {CHANGE_TITLE[g.change]} · {g.entries.length}
            </th>
          </tr>
          {g.entries.map((e, i) => (
            <ComparisonRow key={`${e.frame}\u0000${e.thread ?? ''}\u0000${i}`} entry={e} tone={CHANGE_TONE[g.change]} />
          ))}
        </tbody>
      ))}
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css({
    width: '100%',
    tableLayout: 'fixed',
    borderCollapse: 'collapse',
    'th, td': {
      padding: theme.spacing(0.5, 1),
      borderBottom: `1px solid ${theme.colors.border.weak}`,
      textAlign: 'left',
      verticalAlign: 'middle',
    },
    'thead th': {
      color: theme.colors.text.secondary,
      fontSize: theme.typography.bodySmall.fontSize,
      fontWeight: theme.typography.fontWeightMedium,
    },
  }),
  shareCol: css({ width: '22%' }),
  changeCol: css({ width: '7em' }),
  group: css({
    background: theme.colors.background.secondary,
    fontWeight: theme.typography.fontWeightMedium,
  }),
});
