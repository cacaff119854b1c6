import React from 'react';
import { dateTimeFormat } from '@grafana/data';
import { Box, LinkButton, Stack, Text } from '@grafana/ui';
import type { CaptureAlert } from '../../api/types';
import { relativeIfSameHost } from '../../utils/urls';

interface Props {
  alert: CaptureAlert;
}

function formatValues(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(3)}`)
    .join(', ');
}

/** The alert that triggered the capture, on one line, with links to its panel and rule. */
export function AlertInfo({ alert }: Props) {
  // Links only to http(s) targets: the URLs come from the alert, i.e. from whoever wrote the rule.
  const panelOnlyHref = relativeIfSameHost(alert.panelURL);
  const panelHref = panelOnlyHref ?? relativeIfSameHost(alert.dashboardURL);
  const ruleHref = relativeIfSameHost(alert.generatorURL);
  const started = alert.startsAt ? Date.parse(alert.startsAt) : NaN;
  return (
    <Box padding={1} borderColor="weak" borderStyle="solid" borderRadius="default">
      <Stack direction="row" alignItems="center" wrap="wrap" gap={1}>
        <Text weight="bold">Alert: {alert.alertname}</Text>
        {alert.summary && <Text>{alert.summary}</Text>}
        {!Number.isNaN(started) && (
          <Text color="secondary" variant="bodySmall">
            Started {dateTimeFormat(started)}
          </Text>
        )}
        {alert.values && Object.keys(alert.values).length > 0 && (
          <Text color="secondary" variant="bodySmall">
            Values {formatValues(alert.values)}
          </Text>
        )}
        {(panelHref || ruleHref) && (
          <Stack direction="row" gap={1} flex={1} justifyContent="flex-end">
            {panelHref && (
              <LinkButton size="sm" variant="secondary" icon="apps" href={panelHref}>
                {panelOnlyHref ? 'Dashboard panel' : 'Dashboard'}
              </LinkButton>
            )}
            {ruleHref && (
              <LinkButton size="sm" variant="secondary" icon="bell" href={ruleHref}>
                Alert rule
              </LinkButton>
            )}
          </Stack>
        )}
      </Stack>
    </Box>
  );
}
