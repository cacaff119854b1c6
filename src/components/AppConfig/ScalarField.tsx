import React from 'react';
import { Field, Input } from '@grafana/ui';
import { formatBytes, parseBytes } from '../../utils/bytes';
import type { ScalarSpec } from './settingsSpec';

interface Props {
  spec: ScalarSpec;
  value: string;
  error?: string;
  onChange: (value: string) => void;
}

/** One text setting; empty means the backend's default, shown as the placeholder. */
export function ScalarField({ spec, value, error, onChange }: Props) {
  const id = `setting-${spec.key}`;
  // A size typed as plain bytes is shown in its nearest exact unit once the field is left.
  const onBlur = () => {
    if (spec.kind !== 'bytes') {
      return;
    }
    const n = parseBytes(value);
    if (n !== undefined && formatBytes(n) !== value) {
      onChange(formatBytes(n));
    }
  };
  return (
    <Field label={spec.label} description={spec.description} invalid={Boolean(error)} error={error} htmlFor={id}>
      <Input
        id={id}
        width={60}
        value={value}
        placeholder={`${spec.placeholder} (default)`}
        inputMode={spec.kind === 'int' ? 'numeric' : undefined}
        onChange={(e) => onChange(e.currentTarget.value)}
        onBlur={onBlur}
      />
    </Field>
  );
}
