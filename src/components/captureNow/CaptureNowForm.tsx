import React, { useState } from 'react';
import { Alert, Button, ConfirmModal, Field, Input, Stack } from '@grafana/ui';
import { submitCapture } from '../../api/client';
import type { SubmitRequest, SubmitResult } from '../../api/types';
import { SubmitResultView } from './SubmitResultView';

interface Props {
  initial: SubmitRequest;
}

/** Asks for a capture of one pod's container, after a confirmation. */
export function CaptureNowForm({ initial }: Props) {
  const [target, setTarget] = useState<SubmitRequest>(initial);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<SubmitResult | undefined>();
  const [error, setError] = useState<string | undefined>();

  const namespace = target.namespace.trim();
  const pod = target.pod.trim();
  const container = (target.container ?? '').trim();
  const complete = namespace !== '' && pod !== '';

  const submit = async () => {
    setConfirming(false);
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const body: SubmitRequest = container ? { namespace, pod, container } : { namespace, pod };
      setResult(await submitCapture(body));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack direction="column" gap={2}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (complete) {
            setConfirming(true);
          }
        }}
      >
        <Field label="Namespace" required>
          <Input
            id="capture-namespace"
            width={40}
            value={target.namespace}
            onChange={(e) => setTarget({ ...target, namespace: e.currentTarget.value })}
          />
        </Field>
        <Field label="Pod" required>
          <Input
            id="capture-pod"
            width={40}
            value={target.pod}
            onChange={(e) => setTarget({ ...target, pod: e.currentTarget.value })}
          />
        </Field>
        <Field label="Container" description="Optional: empty probes every running container of the pod and captures each one that runs a JVM.">
          <Input
            id="capture-container"
            width={40}
            value={target.container ?? ''}
            onChange={(e) => setTarget({ ...target, container: e.currentTarget.value })}
          />
        </Field>
        <Button type="submit" icon="bolt" disabled={!complete || busy}>
          Capture now
        </Button>
      </form>
      <ConfirmModal
        isOpen={confirming}
        title="Capture threads now?"
        body={`This samples thread CPU in ${namespace}/${pod}${container ? `/${container}` : ''} for a few seconds and takes a thread dump of its JVMs.`}
        confirmText="Capture"
        confirmVariant="primary"
        onConfirm={submit}
        onDismiss={() => setConfirming(false)}
      />
      {error && (
        <Alert severity="error" title="Capture request failed">
          {error}
        </Alert>
      )}
      {result && <SubmitResultView result={result} />}
    </Stack>
  );
}
