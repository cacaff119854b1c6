import React from 'react';
import { Text } from '@grafana/ui';

interface Props {
  kind: string;
  /** The summary was there but not of the shape this version reads. */
  unreadable?: boolean;
}

/** A kind this version has no view for (from a newer backend), or a summary it cannot read. */
export function UnknownEvidenceView({ kind, unreadable }: Props) {
  return (
    <Text color="secondary" italic>
      {unreadable
        ? `The summary of this ${kind} evidence is not of a shape this version reads; the raw download has it all.`
        : `Evidence of kind "${kind}" is not viewable in this version; its failure and raw download are shown as stored.`}
    </Text>
  );
}
