export interface PanelOptions {
  /** Template variables are interpolated. */
  namespace: string;
  pod: string;
  container: string;
  /** Only captures from alerts linked to this dashboard. */
  linkedToDashboard: boolean;
  /** With linkedToDashboard: only alerts linked to this panel id; 0 for any panel. */
  panelId: number;
  maxRows: number;
}

export const DEFAULT_OPTIONS: PanelOptions = {
  namespace: '',
  pod: '',
  container: '',
  linkedToDashboard: false,
  panelId: 0,
  maxRows: 20,
};
