import React from 'react';
import { locationUtil } from '@grafana/data';
import { Alert, Stack, TextLink } from '@grafana/ui';
import type { SubmitResult } from '../../api/types';
import { capturePath } from '../../constants';
import { podContainer } from '../../utils/format';

interface Props {
  result: SubmitResult;
}

/** What the backend did with a capture request: accepted captures link to their pages. */
export function SubmitResultView({ result }: Props) {
  return (
    <Stack direction="column" gap={1}>
      {result.accepted.length > 0 && (
        <Alert severity="success" title="Capture accepted">
          {result.accepted.map((a) => (
            <div key={a.id}>
              <TextLink href={locationUtil.assureBaseUrl(capturePath(a.id))} inline>
                {`Capture ${a.id}: ${a.namespace}/${podContainer(a.pod, a.container)}`}
              </TextLink>
            </div>
          ))}
        </Alert>
      )}
      {result.skipped.map((s, i) => (
        <Alert
          key={i}
          severity="warning"
          title={`Skipped${s.pod ? ` ${s.namespace}/${podContainer(s.pod, s.container)}` : ''}`}
        >
          {s.reason}
        </Alert>
      ))}
    </Stack>
  );
}
