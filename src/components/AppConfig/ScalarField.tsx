import React from 'react';
import { Field, Input } from '@grafana/ui';
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
  return (
    <Field label={spec.label} description={spec.description} invalid={Boolean(error)} error={error} htmlFor={id}>
      <Input
        id={id}
        width={60}
        value={value}
        placeholder={spec.defaultValue ? `${spec.placeholder} (default)` : spec.placeholder}
        inputMode={spec.kind === 'int' ? 'numeric' : undefined}
        onChange={(e) => onChange(e.currentTarget.value)}
      />
    </Field>
  );
}
