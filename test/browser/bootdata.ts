// Runs before anything of @grafana/runtime is evaluated: its config reads Grafana's boot data
// from window at import time, which a real Grafana page writes into its HTML.
import { harnessLocation } from './location';

declare global {
  interface Window {
    grafanaBootData: unknown;
  }
}

const { theme } = harnessLocation();
window.grafanaBootData = {
  settings: { appSubUrl: '', buildInfo: { version: '12.4.2' }, featureToggles: {}, bootData: {} },
  user: { theme, lightTheme: theme === 'light', timezone: 'utc', orgRole: 'Editor', isSignedIn: true, locale: 'en-US' },
  navTree: [],
  themePaths: {},
};

export {};
