import { SERVER_SETTING_KEYS, type AppSettings } from '../../api/types';
import { formatBytes, parseBytes } from '../../utils/bytes';
import { parseGoDuration } from '../../utils/duration';
import {
  DEFAULT_DENIED_NAMESPACES,
  formatDurationMs,
  formatValue,
  LABEL_KEYS,
  SCALARS,
  type ScalarKey,
  type ScalarSpec,
  type SettingsErrors,
  type SettingsForm,
} from './settingsSpec';

// A Kubernetes namespace is a DNS-1123 label.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// A Prometheus/Grafana label name.
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function boundsText(spec: ScalarSpec): string {
  return `between ${formatValue(spec.kind, spec.min)} and ${formatValue(spec.kind, spec.max)}`;
}

function outOfBounds(spec: ScalarSpec, n: number): boolean {
  return n < spec.min || n > spec.max;
}

/** Checks one scalar's text; undefined when it is valid (empty is valid: the default). */
export function validateScalar(spec: ScalarSpec, text: string): string | undefined {
  const v = text.trim();
  if (v === '') {
    return undefined;
  }
  switch (spec.kind) {
    case 'duration': {
      const ms = parseGoDuration(v);
      if (ms === undefined) {
        return 'Not a Go duration: use a number and unit, e.g. 500ms, 2s, 10m, 1h30m';
      }
      return outOfBounds(spec, ms) ? `Must be ${boundsText(spec)}` : undefined;
    }
    case 'bytes': {
      const n = parseBytes(v);
      if (n === undefined) {
        return 'Not a size: use bytes or a number with KiB, MiB or GiB, e.g. 16 MiB';
      }
      return outOfBounds(spec, n) ? `Must be ${boundsText(spec)}` : undefined;
    }
    case 'int': {
      if (!/^\d+$/.test(v)) {
        return 'Must be a whole number';
      }
      return outOfBounds(spec, Number(v)) ? `Must be ${boundsText(spec)}` : undefined;
    }
  }
}

function effectiveMs(form: SettingsForm, key: ScalarKey): number | undefined {
  const text = form.scalars[key].trim();
  return parseGoDuration(text === '' ? SCALARS[key].defaultValue : text);
}

/** All errors of the form, by field; empty when it can be saved. */
export function validateSettings(form: SettingsForm): SettingsErrors {
  const errors: SettingsErrors = {};
  for (const spec of Object.values(SCALARS)) {
    const err = validateScalar(spec, form.scalars[spec.key]);
    if (err) {
      errors[spec.key] = err;
    }
  }
  if (!errors.sampleWindow && !errors.captureTimeout) {
    const window = effectiveMs(form, 'sampleWindow') ?? 0;
    const timeout = effectiveMs(form, 'captureTimeout') ?? 0;
    if (timeout <= window) {
      errors.captureTimeout = `Must be longer than the sample window (${formatDurationMs(window)})`;
    }
  }
  // A cluster name and a namespace are both DNS-1123 labels.
  for (const key of ['clusters', 'allowedNamespaces', 'deniedNamespaces'] as const) {
    const bad = form[key].filter((ns) => !NAMESPACE.test(ns));
    if (bad.length > 0) {
      errors[key] = `Not a ${key === 'clusters' ? 'cluster' : 'namespace'} name: ${bad.join(', ')}`;
    }
  }
  for (const key of LABEL_KEYS) {
    const v = form.labels[key].trim();
    if (v !== '' && !LABEL_NAME.test(v)) {
      errors[`labels.${key}`] = 'Not a label name: letters, digits and _, not starting with a digit';
    }
  }
  return errors;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The jsonData to save: the previous jsonData's unknown keys, plus every setting that differs
 * from the backend's default. Settings left at their default are not written.
 */
export function settingsFromForm(form: SettingsForm, previous: Record<string, unknown> = {}): AppSettings {
  const out: Record<string, unknown> = { ...previous };
  // Server settings in an old jsonData are ignored by the backend: saving drops them.
  for (const key of SERVER_SETTING_KEYS) {
    delete out[key];
  }
  delete out.clusters;
  if (form.clusters.length > 0) {
    out.clusters = form.clusters;
  }
  for (const spec of Object.values(SCALARS)) {
    delete out[spec.key];
    const v = form.scalars[spec.key].trim();
    if (v === '' || v === spec.defaultValue) {
      continue;
    }
    if (spec.kind === 'bytes') {
      // jsonData keeps sizes as numbers of bytes; the form shows them in units.
      const n = parseBytes(v);
      if (n !== undefined && formatBytes(n) !== spec.defaultValue) {
        out[spec.key] = n;
      }
      continue;
    }
    out[spec.key] = spec.kind === 'int' ? Number(v) : v;
  }
  delete out.allowedNamespaces;
  if (form.allowedNamespaces.length > 0) {
    out.allowedNamespaces = form.allowedNamespaces;
  }
  delete out.deniedNamespaces;
  if (!sameList(form.deniedNamespaces, DEFAULT_DENIED_NAMESPACES)) {
    // An empty list is meaningful: deny no namespace.
    out.deniedNamespaces = form.deniedNamespaces;
  }
  delete out.labels;
  const labels: Record<string, string> = {};
  for (const key of LABEL_KEYS) {
    const v = form.labels[key].trim();
    if (v !== '' && v !== key) {
      labels[key] = v;
    }
  }
  if (Object.keys(labels).length > 0) {
    out.labels = labels;
  }
  return out as AppSettings;
}
