import React, { useState } from 'react';
import type { TimeRange } from '@grafana/data';
import { Button, Field, Input, RadioButtonGroup, Stack, TimeRangeInput } from '@grafana/ui';
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

interface Props {
  text: TextFilters;
  onTextChange: (text: TextFilters) => void;
  status: CaptureStatus | '';
  onStatusChange: (status: CaptureStatus | '') => void;
  range: TimeRange;
  onRangeChange: (range: TimeRange) => void;
}

/** Filters of the captures list. Text filters apply on submit; status and time at once. */
export function CaptureFilters({ text, onTextChange, status, onStatusChange, range, onRangeChange }: Props) {
  const [draft, setDraft] = useState<TextFilters>(text);
  return (
    <form
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
  );
}
