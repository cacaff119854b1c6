import React, { useEffect, useState } from 'react';
import { Alert, Button, ConfirmModal, Field, Input, RadioButtonGroup, Stack } from '@grafana/ui';
import { listClusters, submitCapture } from '../../api/client';
import type { ClusterInfo, Focus, SubmitRequest, SubmitResult } from '../../api/types';
import { SubmitResultView } from './SubmitResultView';

interface Props {
  initial: SubmitRequest;
}

/** The Take choices: '' is the app's default, as for an alert without a capture label. */
const focusOptions: Array<{ label: string; value: Focus | ''; description: string }> = [
  { label: 'Default', value: '', description: "The app's defaultCapture, as an alert without a capture label" },
  {
    label: 'CPU',
    value: 'cpu',
    description: "Each JVM's busiest threads with a thread dump; a Go program's CPU profile",
  },
  { label: 'Memory', value: 'memory', description: "A JVM's heap and class histogram; a Go program's heap profile" },
  { label: 'All', value: 'all', description: 'Both' },
];

const focusWords: Record<Focus, string> = {
  cpu: "each JVM's busiest threads over a few seconds with a thread dump, and a Go program's CPU profile",
  memory: "each JVM's heap with its class histogram, and a Go program's heap profile",
  all: 'the threads and CPU profiles, and the heaps',
};

type ClustersState =
  { kind: 'loading' } | { kind: 'loaded'; clusters: ClusterInfo[] } | { kind: 'error'; message: string };

function namespaceHint(cluster: ClusterInfo | undefined): string {
  if (!cluster) {
    return '';
  }
  if (cluster.allNamespaces) {
    return `Any namespace of ${cluster.name} not denied in the app's settings.`;
  }
  return `Allowed in ${cluster.name}: ${(cluster.namespaces ?? []).join(', ') || 'none'}.`;
}

/** Asks for a capture of one pod's container in one of the org's clusters, after a confirmation. */
export function CaptureNowForm({ initial }: Props) {
  const [target, setTarget] = useState<SubmitRequest>(initial);
  const [clusters, setClusters] = useState<ClustersState>({ kind: 'loading' });
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<SubmitResult | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    listClusters()
      .then((list) => {
        if (!live) {
          return;
        }
        setClusters({ kind: 'loaded', clusters: list.clusters });
        if (list.clusters.length === 1) {
          setTarget((t) => ({ ...t, cluster: list.clusters[0].name }));
        }
      })
      .catch((e: Error) => live && setClusters({ kind: 'error', message: e.message }));
    return () => {
      live = false;
    };
  }, []);

  const available = clusters.kind === 'loaded' ? clusters.clusters : [];
  const cluster = (target.cluster ?? '').trim();
  const selected = available.find((c) => c.name === cluster);
  const namespace = target.namespace.trim();
  const pod = target.pod.trim();
  const container = (target.container ?? '').trim();
  const needsCluster = available.length > 1;
  const noCluster = clusters.kind === 'loaded' && available.length === 0;
  const complete = namespace !== '' && pod !== '' && (!needsCluster || cluster !== '') && !noCluster;

  const submit = async () => {
    setConfirming(false);
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const body: SubmitRequest = {
        ...(cluster ? { cluster } : {}),
        namespace,
        pod,
        ...(container ? { container } : {}),
        ...(target.focus ? { focus: target.focus } : {}),
      };
      setResult(await submitCapture(body));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack direction="column" gap={2}>
      {noCluster && (
        <Alert severity="warning" title="No cluster available">
          This organization may capture in none of the server&apos;s clusters. An org admin sets them in the app&apos;s
          settings; the Grafana server admin configures the clusters in grafana.ini.
        </Alert>
      )}
      {clusters.kind === 'error' && (
        <Alert severity="warning" title="Could not list the clusters">
          {clusters.message}
        </Alert>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (complete) {
            setConfirming(true);
          }
        }}
      >
        {needsCluster && (
          <Field label="Cluster" required description="The clusters this organization may capture in.">
            <RadioButtonGroup
              options={available.map((c) => ({ label: c.name, value: c.name }))}
              value={cluster || undefined}
              onChange={(v) => setTarget({ ...target, cluster: v })}
            />
          </Field>
        )}
        {available.length === 1 && (
          <Field label="Cluster">
            <span>{available[0].name}</span>
          </Field>
        )}
        <Field label="Namespace" required description={namespaceHint(selected)}>
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
        <Field
          label="Container"
          description="Optional: empty probes every running container of the pod and captures each one that runs a JVM."
        >
          <Input
            id="capture-container"
            width={40}
            value={target.container ?? ''}
            onChange={(e) => setTarget({ ...target, container: e.currentTarget.value })}
          />
        </Field>
        <Field label="Take" description="What the capture takes; the pod's story is always taken.">
          <RadioButtonGroup<Focus | ''>
            options={focusOptions}
            value={target.focus ?? ''}
            onChange={(v) => setTarget({ ...target, focus: v === '' ? undefined : v })}
          />
        </Field>
        <Button type="submit" icon="bolt" disabled={!complete || busy}>
          Capture now
        </Button>
      </form>
      <ConfirmModal
        isOpen={confirming}
        title="Capture now?"
        body={`This captures ${cluster ? `${cluster}: ` : ''}${namespace}/${pod}${container ? `/${container}` : ''} now, ${
          target.focus
            ? `taking ${focusWords[target.focus]}`
            : "as an alert without a capture label would: what the app's default capture takes (unless an org admin changed it, each JVM's busiest threads over a few seconds with a thread dump, and a Go program's CPU profile)"
        }, and the pod's story.`}
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
