import React, { useId, useState } from 'react';
import { css, cx } from '@emotion/css';
import { rangeUtil, type GrafanaTheme2, type TimeRange } from '@grafana/data';
import { Button, Field, Input, RadioButtonGroup, Stack, TimeRangeInput, useStyles2 } from '@grafana/ui';
import type { CaptureStatus } from '../../api/types';

export interface TextFilters {
  namespace: string;
  pod: string;
  container: string;
  node: string;
}

export const EMPTY_TEXT_FILTERS: TextFilters = { namespace: '', pod: '', container: '', node: '' };

const STATUS_OPTIONS: Array<{ label: string; value: CaptureStatus | '' }> = [
  { label: 'All', value: '' },
  { label: 'Queued', value: 'queued' },
  { label: 'Running', value: 'running' },
  { label: 'Done', value: 'done' },
  { label: 'Failed', value: 'failed' },
  { label: 'Skipped', value: 'skipped' },
];

const TEXT_FIELDS: Array<{ key: keyof TextFilters; label: string }> = [
  { key: 'namespace', label: 'Namespace' },
  { key: 'pod', label: 'Pod' },
  { key: 'container', label: 'Container' },
  { key: 'node', label: 'Node' },
];

/** The filters in force, one phrase each ("namespace shop", "failed"): the collapsed filters' summary. */
export function activeFilters(text: TextFilters, status: CaptureStatus | ''): string[] {
  const active = TEXT_FIELDS.filter(({ key }) => text[key].trim() !== '').map(
    ({ key, label }) => `${label.toLowerCase()} ${text[key].trim()}`
  );
  if (status) {
    active.push(status);
  }
  return active;
}

interface Props {
  text: TextFilters;
  onTextChange: (text: TextFilters) => void;
  status: CaptureStatus | '';
  onStatusChange: (status: CaptureStatus | '') => void;
  range: TimeRange;
  onRangeChange: (range: TimeRange) => void;
}

/**
 * Filters of the captures list. Text filters apply on submit; status and time at once. On a
 * narrow screen (a phone, a split window) the form wraps onto five rows and fills the first
 * screen, so there it folds into one line, a "Filters" toggle and what is in force, and the
 * captures come right after.
 */
export function CaptureFilters({ text, onTextChange, status, onStatusChange, range, onRangeChange }: Props) {
  const styles = useStyles2(getStyles);
  const [draft, setDraft] = useState<TextFilters>(text);
  const [open, setOpen] = useState(false);
  const formId = useId();
  const active = activeFilters(text, status);
  const summary = [...active, rangeUtil.describeTimeRange(range.raw)].join(' · ');
  return (
    <div>
      <div className={styles.folded} data-testid="filters-folded">
        <Button
          size="sm"
          variant="secondary"
          icon={open ? 'angle-up' : 'filter'}
          aria-expanded={open}
          aria-controls={formId}
          onClick={() => setOpen(!open)}
        >
          {active.length > 0 ? `Filters (${active.length})` : 'Filters'}
        </Button>
        <span className={styles.summary} title={summary}>
          {summary}
        </span>
      </div>
      <form
        id={formId}
        className={cx(styles.form, open && styles.open)}
        aria-label="Capture filters"
        onSubmit={(e) => {
          e.preventDefault();
          onTextChange(draft);
        }}
      >
        <Stack direction="row" wrap="wrap" alignItems="flex-end" gap={1}>
          {TEXT_FIELDS.map(({ key, label }) => (
            <Field key={key} label={label} noMargin>
              <Input
                id={`filter-${key}`}
                width={24}
                value={draft[key]}
                placeholder="any"
                onChange={(e) => setDraft({ ...draft, [key]: e.currentTarget.value })}
              />
            </Field>
          ))}
          <Button type="submit" icon="search" variant="secondary">
            Apply
          </Button>
          <Field label="Status" noMargin>
            <RadioButtonGroup options={STATUS_OPTIONS} value={status} onChange={onStatusChange} />
          </Field>
          <Field label="Time range" noMargin>
            <TimeRangeInput value={range} onChange={onRangeChange} />
          </Field>
        </Stack>
      </form>
    </div>
  );
}

// The folded line shows, and the form hides until asked for, only below md: wider, the form
// is one or two rows and costs less than a click.
const getStyles = (theme: GrafanaTheme2) => ({
  folded: css({
    display: 'none',
    [theme.breakpoints.down('md')]: {
      display: 'flex',
      alignItems: 'center',
      gap: theme.spacing(1),
      minWidth: 0,
    },
  }),
  summary: css({
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  form: css({
    [theme.breakpoints.down('md')]: {
      display: 'none',
    },
  }),
  open: css({
    [theme.breakpoints.down('md')]: {
      display: 'block',
      marginTop: theme.spacing(1),
    },
  }),
});
