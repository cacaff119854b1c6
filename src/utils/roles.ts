import { OrgRole } from '@grafana/data';
import { config } from '@grafana/runtime';

/** Whether the signed-in user may request captures (Editor and above, or a Grafana admin). */
export function canRequestCaptures(): boolean {
  const user = config.bootData.user;
  return user.isGrafanaAdmin || user.orgRole === OrgRole.Editor || user.orgRole === OrgRole.Admin;
}
