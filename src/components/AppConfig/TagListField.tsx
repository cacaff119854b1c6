import React from 'react';
import { Field, TagsInput } from '@grafana/ui';

interface Props {
  id: string;
  label: string;
  description: string;
  tags: string[];
  /** What an empty list means ("all namespaces"): shown only while the list is empty. */
  emptyMeaning: string;
  /** The prompt once the list has entries ("add a namespace"). */
  addPrompt: string;
  error?: string;
  onChange: (tags: string[]) => void;
}

/**
 * A list setting. The placeholder says what an empty list means only while it is empty, so it
 * never contradicts the tags beside it (e.g. "no namespace denied" next to kube-system).
 */
export function TagListField({ id, label, description, tags, emptyMeaning, addPrompt, error, onChange }: Props) {
  return (
    <Field label={label} description={description} invalid={Boolean(error)} error={error}>
      <TagsInput
        id={id}
        width={60}
        placeholder={tags.length === 0 ? emptyMeaning : addPrompt}
        tags={tags}
        invalid={Boolean(error)}
        onChange={onChange}
      />
    </Field>
  );
}
