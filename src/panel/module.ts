import { PanelPlugin } from '@grafana/data';
import { StackCapturesPanel } from './components/StackCapturesPanel';
import { DEFAULT_OPTIONS, type PanelOptions } from './types';

const VARIABLES_HELP = 'Dashboard variables such as $namespace are interpolated. Empty matches all.';

export const plugin = new PanelPlugin<PanelOptions>(StackCapturesPanel).setPanelOptions((builder) =>
  builder
    .addTextInput({ path: 'namespace', name: 'Namespace', description: VARIABLES_HELP, defaultValue: '' })
    .addTextInput({ path: 'pod', name: 'Pod', description: VARIABLES_HELP, defaultValue: '' })
    .addTextInput({ path: 'container', name: 'Container', description: VARIABLES_HELP, defaultValue: '' })
    .addBooleanSwitch({
      path: 'linkedToDashboard',
      name: 'Only alerts linked to this dashboard',
      description: 'Show only captures triggered by alert rules linked to this dashboard (by dashboard UID).',
      defaultValue: DEFAULT_OPTIONS.linkedToDashboard,
    })
    .addNumberInput({
      path: 'panelId',
      name: 'Linked panel id',
      description: 'Only alerts linked to this panel of the dashboard, e.g. the CPU panel beside this one. 0 for any.',
      defaultValue: DEFAULT_OPTIONS.panelId,
      settings: { min: 0, integer: true },
      showIf: (options) => options.linkedToDashboard,
    })
    .addNumberInput({
      path: 'maxRows',
      name: 'Max rows',
      defaultValue: DEFAULT_OPTIONS.maxRows,
      settings: { min: 1, max: 500, integer: true },
    })
);
