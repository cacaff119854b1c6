import type { AppSettings } from '../../api/types';

/** Keys of the settings edited as one text input each. */
export type ScalarKey =
  'sampleWindow' | 'topThreads' | 'cooldown' | 'captureTimeout' | 'maxOutputBytes' | 'retention' | 'maxBodyBytes';

export type LabelKey = 'namespace' | 'pod' | 'container' | 'node' | 'cluster';

export interface ScalarSpec {
  key: ScalarKey;
  label: string;
  description: string;
  /** path: an absolute file path; duration: Go duration; int: whole number. */
  kind: 'text' | 'path' | 'duration' | 'int';
  /** What the backend uses when the key is missing; '' means unset. */
  defaultValue: string;
  placeholder: string;
  /** Inclusive bounds: a number for int, milliseconds for duration. */
  min?: number;
  max?: number;
}

const MS = { s: 1000, m: 60_000, h: 3_600_000 };
const MiB = 1024 * 1024;

export const SCALARS: Record<ScalarKey, ScalarSpec> = {
  sampleWindow: {
    key: 'sampleWindow',
    label: 'Sample window',
    description: 'How long per-thread CPU is sampled before the dump, as a Go duration (100ms to 60s).',
    kind: 'duration',
    defaultValue: '2s',
    placeholder: '2s',
    min: 100,
    max: 60 * MS.s,
  },
  topThreads: {
    key: 'topThreads',
    label: 'Top threads',
    description: 'How many of the busiest threads are kept per JVM (1 to 10000).',
    kind: 'int',
    defaultValue: '50',
    placeholder: '50',
    min: 1,
    max: 10000,
  },
  captureTimeout: {
    key: 'captureTimeout',
    label: 'Capture timeout',
    description: 'Limit for one whole capture, as a Go duration (1s to 10m); must exceed the sample window.',
    kind: 'duration',
    defaultValue: '30s',
    placeholder: '30s',
    min: MS.s,
    max: 10 * MS.m,
  },
  maxOutputBytes: {
    key: 'maxOutputBytes',
    label: 'Max output bytes',
    description:
      'Cap on what the probe may print (65536 to 1073741824 bytes); longer output is cut and marked truncated.',
    kind: 'int',
    defaultValue: String(16 * MiB),
    placeholder: String(16 * MiB),
    min: 65536,
    max: 1024 * MiB,
  },
  cooldown: {
    key: 'cooldown',
    label: 'Cooldown',
    description:
      "Minimum time between two captures of the same container, as a Go duration (0 to 168h). Captures by other orgs count too, and the server admin's min_cooldown is the floor.",
    kind: 'duration',
    defaultValue: '10m',
    placeholder: '10m',
    min: 0,
    max: 168 * MS.h,
  },
  maxBodyBytes: {
    key: 'maxBodyBytes',
    label: 'Max webhook body bytes',
    description: 'Largest alert webhook body accepted (1024 to 16777216 bytes).',
    kind: 'int',
    defaultValue: String(MiB),
    placeholder: String(MiB),
    min: 1024,
    max: 16 * MiB,
  },
  retention: {
    key: 'retention',
    label: 'Retention',
    description: "How long this org's captures are kept, as a Go duration (at least 1h), e.g. 336h for 14 days.",
    kind: 'duration',
    defaultValue: '336h',
    placeholder: '336h',
    min: MS.h,
  },
};

export const DEFAULT_DENIED_NAMESPACES = ['kube-system'];

export const LABEL_KEYS: LabelKey[] = ['namespace', 'pod', 'container', 'node', 'cluster'];

/** The settings as the form edits them: text for scalars ('' = default). */
export interface SettingsForm {
  scalars: Record<ScalarKey, string>;
  clusters: string[];
  allowedNamespaces: string[];
  deniedNamespaces: string[];
  labels: Record<LabelKey, string>;
}

export type SettingsErrors = Partial<
  Record<ScalarKey | 'clusters' | 'allowedNamespaces' | 'deniedNamespaces' | `labels.${LabelKey}`, string>
>;

export function formFromSettings(s: AppSettings): SettingsForm {
  const scalars = {} as Record<ScalarKey, string>;
  for (const key of Object.keys(SCALARS) as ScalarKey[]) {
    const v = s[key];
    scalars[key] = v === undefined || v === null ? '' : String(v);
  }
  const labels = {} as Record<LabelKey, string>;
  for (const key of LABEL_KEYS) {
    labels[key] = s.labels?.[key] ?? '';
  }
  return {
    scalars,
    clusters: s.clusters ?? [],
    allowedNamespaces: s.allowedNamespaces ?? [],
    deniedNamespaces: s.deniedNamespaces ?? DEFAULT_DENIED_NAMESPACES,
    labels,
  };
}
