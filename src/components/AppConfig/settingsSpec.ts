import type { AppSettings } from '../../api/types';
import { formatBytes } from '../../utils/bytes';
import { parseGoDuration } from '../../utils/duration';
// The one definition of the settings, shared with the backend (go:embed) and the README.
import specJson from '../../../pkg/settingspec/settings.json';

/** Keys of the settings edited as one text input each. */
export type ScalarKey =
  'sampleWindow' | 'topThreads' | 'cooldown' | 'captureTimeout' | 'maxOutputBytes' | 'retention' | 'maxBodyBytes';

const SCALAR_KEYS: ScalarKey[] = [
  'sampleWindow',
  'topThreads',
  'captureTimeout',
  'maxOutputBytes',
  'cooldown',
  'maxBodyBytes',
  'retention',
];

export type LabelKey = 'namespace' | 'pod' | 'container' | 'node' | 'cluster';

/** An entry of pkg/settingspec/settings.json, as written there. */
export interface SpecEntry {
  key: string;
  kind: string;
  label?: string;
  default?: unknown;
  defaultText?: string;
  min?: unknown;
  max?: unknown;
  doc: string;
}

export interface ScalarSpec {
  key: ScalarKey;
  label: string;
  description: string;
  /** duration: Go duration; int: whole number; bytes: a size such as 16 MiB, stored as a number. */
  kind: 'duration' | 'int' | 'bytes';
  /** What the backend uses when the key is missing, as the form shows it. */
  defaultValue: string;
  placeholder: string;
  /** Inclusive bounds: milliseconds for duration, a number (of bytes) otherwise. */
  min: number;
  max: number;
}

const ORG: SpecEntry[] = specJson.org;

/** The spec entry of a jsonData key; throws when settings.json lost it (a build defect, caught by tests). */
export function orgSetting(key: string): SpecEntry {
  const entry = ORG.find((e) => e.key === key);
  if (!entry) {
    throw new Error(`pkg/settingspec/settings.json has no org setting ${key}`);
  }
  return entry;
}

/** A spec doc as a sentence for the config page. */
export function sentence(doc: string): string {
  const text = doc.replace(/`/g, '');
  return `${text[0].toUpperCase()}${text.slice(1)}${text.endsWith('.') ? '' : '.'}`;
}

function boundNumber(entry: SpecEntry, value: unknown, what: string): number {
  const n = entry.kind === 'duration' && typeof value === 'string' ? parseGoDuration(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new Error(`settings.json: ${entry.key}: ${what} ${String(value)} is not a ${entry.kind}`);
  }
  return n;
}

/** Shows a bound or default in the unit people type: 100ms, 10m, 16 MiB, 50. */
export function formatValue(kind: ScalarSpec['kind'], n: number): string {
  switch (kind) {
    case 'duration':
      return formatDurationMs(n);
    case 'bytes':
      return formatBytes(n);
    default:
      return String(n);
  }
}

/** One unit, as the backend's settingspec.FormatDuration writes it. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) {
    return '0s';
  }
  if (ms % 3_600_000 === 0) {
    return `${ms / 3_600_000}h`;
  }
  if (ms > 60_000 && ms % 60_000 === 0) {
    return `${ms / 60_000}m`;
  }
  if (ms % 1000 === 0) {
    return `${ms / 1000}s`;
  }
  return `${ms}ms`;
}

function scalarSpec(key: ScalarKey): ScalarSpec {
  const entry = orgSetting(key);
  if (entry.kind !== 'duration' && entry.kind !== 'int' && entry.kind !== 'bytes') {
    throw new Error(`settings.json: ${key} has kind ${entry.kind}, not a scalar`);
  }
  const kind = entry.kind;
  const min = boundNumber(entry, entry.min, 'min');
  const max = boundNumber(entry, entry.max, 'max');
  const def = boundNumber(entry, entry.default, 'default');
  const defaultValue = kind === 'duration' ? String(entry.default) : formatValue(kind, def);
  const unitHint = kind === 'bytes' ? ' Write a size like 16 MiB, 512 KiB or plain bytes.' : '';
  return {
    key,
    label: entry.label ?? key,
    description: `${sentence(entry.doc)} From ${formatValue(kind, min)} to ${formatValue(kind, max)}.${unitHint}`,
    kind,
    defaultValue,
    placeholder: defaultValue,
    min,
    max,
  };
}

export const SCALARS = Object.fromEntries(SCALAR_KEYS.map((key) => [key, scalarSpec(key)])) as Record<
  ScalarKey,
  ScalarSpec
>;

function defaultDenied(): string[] {
  const d = orgSetting('deniedNamespaces').default;
  if (!Array.isArray(d) || !d.every((v) => typeof v === 'string')) {
    throw new Error('settings.json: deniedNamespaces default is not a list of names');
  }
  return d;
}

export const DEFAULT_DENIED_NAMESPACES = defaultDenied();

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
    if (v === undefined || v === null) {
      scalars[key] = '';
    } else if (SCALARS[key].kind === 'bytes' && typeof v === 'number') {
      scalars[key] = formatBytes(v);
    } else {
      scalars[key] = String(v);
    }
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
