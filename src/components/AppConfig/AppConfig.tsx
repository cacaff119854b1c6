import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps } from '@grafana/data';
import { Alert, Button, Field, FieldSet, Input, Stack, useStyles2 } from '@grafana/ui';
import { checkHealth, savePluginSettings } from '../../api/client';
import type { AppSettings, HealthResult } from '../../api/types';
import { HealthCheckResult } from './HealthCheckResult';
import { ScalarField } from './ScalarField';
import { TagListField } from './TagListField';
import {
  DEFAULT_DENIED_NAMESPACES,
  formFromSettings,
  LABEL_KEYS,
  orgSetting,
  SCALARS,
  sentence,
  type ScalarKey,
  type SettingsForm,
} from './settingsSpec';
import { settingsFromForm, validateSettings } from './settingsValidation';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

const SECTIONS: Array<{ label: string; keys: ScalarKey[] }> = [
  { label: 'Scope', keys: [] },
  { label: 'Capture', keys: ['sampleWindow', 'topThreads', 'captureTimeout', 'maxOutputBytes'] },
  { label: 'Limits', keys: ['cooldown', 'maxBodyBytes'] },
  { label: 'Storage', keys: ['retention'] },
];

type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'error'; message: string };
type TestState =
  { kind: 'idle' } | { kind: 'testing' } | { kind: 'done'; health: HealthResult } | { kind: 'error'; message: string };

const AppConfig = ({ plugin }: AppConfigProps) => {
  const styles = useStyles2(getStyles);
  const { enabled, pinned, jsonData } = plugin.meta;
  const [form, setForm] = useState<SettingsForm>(() => formFromSettings(jsonData ?? {}));
  const [attempted, setAttempted] = useState(false);
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  const [test, setTest] = useState<TestState>({ kind: 'idle' });
  const errors = useMemo(() => validateSettings(form), [form]);
  const errorCount = Object.keys(errors).length;

  const setScalar = (key: ScalarKey, value: string) => setForm({ ...form, scalars: { ...form.scalars, [key]: value } });

  const onSave = async (e: React.FormEvent) => {
    e.preventDefault();
    setAttempted(true);
    if (errorCount > 0) {
      return;
    }
    setSave({ kind: 'saving' });
    try {
      const previous = (jsonData ?? {}) as Record<string, unknown>;
      await savePluginSettings({
        enabled: Boolean(enabled),
        pinned: Boolean(pinned),
        jsonData: settingsFromForm(form, previous),
      });
      setSave({ kind: 'saved' });
    } catch (err) {
      setSave({ kind: 'error', message: (err as Error).message });
    }
  };

  const onTest = async () => {
    setTest({ kind: 'testing' });
    try {
      setTest({ kind: 'done', health: await checkHealth() });
    } catch (err) {
      setTest({ kind: 'error', message: (err as Error).message });
    }
  };

  return (
    <form onSubmit={onSave}>
      <Alert severity="info" title="Set by the Grafana server admin">
        Which clusters exist and how they are reached, the namespaces any org may capture, the database and the per-node
        and global limits are set in grafana.ini, section [plugin.seed-stackcapture-app]. The settings below apply to
        this organization and can only narrow them.
      </Alert>
      {SECTIONS.map((section) => (
        <FieldSet key={section.label} label={section.label}>
          {section.keys.map((key) => (
            <ScalarField
              key={key}
              spec={SCALARS[key]}
              value={form.scalars[key]}
              error={errors[key]}
              onChange={(v) => setScalar(key, v)}
            />
          ))}
          {section.label === 'Scope' && (
            <>
              <TagListField
                id="setting-clusters"
                label={orgSetting('clusters').label ?? 'Clusters'}
                description={`${sentence(orgSetting('clusters').doc)} Empty: all of them. Press Enter after each.`}
                tags={form.clusters}
                emptyMeaning="all clusters"
                addPrompt="add a cluster"
                error={errors.clusters}
                onChange={(tags) => setForm({ ...form, clusters: tags })}
              />
              <TagListField
                id="setting-allowedNamespaces"
                label={orgSetting('allowedNamespaces').label ?? 'Allowed namespaces'}
                description={`${sentence(orgSetting('allowedNamespaces').doc)} Empty: every namespace the server admin allows, except the denied ones. Press Enter after each.`}
                tags={form.allowedNamespaces}
                emptyMeaning="all namespaces"
                addPrompt="add a namespace"
                error={errors.allowedNamespaces}
                onChange={(tags) => setForm({ ...form, allowedNamespaces: tags })}
              />
              <TagListField
                id="setting-deniedNamespaces"
                label={orgSetting('deniedNamespaces').label ?? 'Denied namespaces'}
                description={`${sentence(orgSetting('deniedNamespaces').doc)} Default: ${DEFAULT_DENIED_NAMESPACES.join(', ')}. Empty: none denied.`}
                tags={form.deniedNamespaces}
                emptyMeaning="none denied"
                addPrompt="add a namespace"
                error={errors.deniedNamespaces}
                onChange={(tags) => setForm({ ...form, deniedNamespaces: tags })}
              />
            </>
          )}
        </FieldSet>
      ))}
      <FieldSet label={orgSetting('labels').label ?? 'Alert labels'}>
        <p className={styles.hint}>{sentence(orgSetting('labels').doc)}</p>
        {LABEL_KEYS.map((key) => (
          <Field
            key={key}
            label={`${key[0].toUpperCase()}${key.slice(1)} label`}
            description={`Name of the alert label that holds the ${key}. Default: ${key}.`}
            invalid={Boolean(errors[`labels.${key}`])}
            error={errors[`labels.${key}`]}
            htmlFor={`setting-labels-${key}`}
          >
            <Input
              id={`setting-labels-${key}`}
              width={60}
              value={form.labels[key]}
              placeholder={`${key} (default)`}
              onChange={(e) => setForm({ ...form, labels: { ...form.labels, [key]: e.currentTarget.value } })}
            />
          </Field>
        ))}
      </FieldSet>
      {/* Sticky, so the buttons and what they answer stay in view however long the form is. */}
      <div className={styles.actions} data-testid="config-actions">
        <Stack direction="column" gap={1}>
          {attempted && errorCount > 0 && (
            <Alert severity="error" title="Not saved">
              Fix the {errorCount === 1 ? 'field' : `${errorCount} fields`} marked above first.
            </Alert>
          )}
          {save.kind === 'saved' && <Alert severity="success" title="Settings saved" />}
          {save.kind === 'error' && (
            <Alert severity="error" title="Could not save the settings">
              {save.message}
            </Alert>
          )}
          {(test.kind === 'done' || test.kind === 'error') && (
            <div className={styles.result} aria-live="polite">
              {test.kind === 'done' && <HealthCheckResult health={test.health} />}
              {test.kind === 'error' && (
                <Alert severity="error" title="Health check failed">
                  {test.message}
                </Alert>
              )}
            </div>
          )}
          <Stack direction="row" gap={1}>
            <Button type="submit" disabled={save.kind === 'saving'}>
              Save settings
            </Button>
            <Button type="button" variant="secondary" onClick={onTest} disabled={test.kind === 'testing'}>
              {test.kind === 'testing' ? 'Testing…' : 'Test'}
            </Button>
          </Stack>
        </Stack>
      </div>
    </form>
  );
};

const getStyles = (theme: GrafanaTheme2) => ({
  actions: css({
    position: 'sticky',
    bottom: 0,
    zIndex: 1,
    background: theme.colors.background.primary,
    borderTop: `1px solid ${theme.colors.border.weak}`,
    padding: theme.spacing(1, 0),
  }),
  // A long health result scrolls inside the bar rather than covering the form.
  result: css({
    maxHeight: '40vh',
    overflowY: 'auto',
  }),
  hint: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});

export default AppConfig;
