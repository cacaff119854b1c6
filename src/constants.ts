import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;
export const RESOURCES_URL = `/api/plugins/${PLUGIN_ID}/resources`;
export const WEBHOOK_URL = `${RESOURCES_URL}/webhook`;

export enum ROUTES {
  Captures = 'captures',
  CaptureNow = 'capture-now',
  Workload = 'workload',
  Compare = 'compare',
}

/** Browser path of one capture's permalink page, without Grafana's sub-path. */
export function capturePath(id: number): string {
  return `${PLUGIN_BASE_URL}/${ROUTES.Captures}/${id}`;
}
