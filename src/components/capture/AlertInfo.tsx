import React from 'react';
import { dateTimeFormat } from '@grafana/data';
import { Card, LinkButton, Text } from '@grafana/ui';
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

/** The alert that triggered the capture, with links to its panel and rule. */
export function AlertInfo({ alert }: Props) {
  // Links only to http(s) targets: the URLs come from the alert, i.e. from whoever wrote the rule.
  const panelOnlyHref = relativeIfSameHost(alert.panelURL);
  const panelHref = panelOnlyHref ?? relativeIfSameHost(alert.dashboardURL);
  const ruleHref = relativeIfSameHost(alert.generatorURL);
  const started = alert.startsAt ? Date.parse(alert.startsAt) : NaN;
  return (
    <Card>
      <Card.Heading>Alert: {alert.alertname}</Card.Heading>
      {alert.summary && (
        <Card.Description>
          <Text>{alert.summary}</Text>
        </Card.Description>
      )}
      <Card.Meta>
        {[
          !Number.isNaN(started) && <span key="startsAt">Started {dateTimeFormat(started)}</span>,
          alert.values && Object.keys(alert.values).length > 0 && (
            <span key="values">Values {formatValues(alert.values)}</span>
          ),
        ]}
      </Card.Meta>
      <Card.Actions>
        {panelHref && (
          <LinkButton variant="secondary" icon="apps" href={panelHref}>
            {panelOnlyHref ? 'Dashboard panel' : 'Dashboard'}
          </LinkButton>
        )}
        {ruleHref && (
          <LinkButton variant="secondary" icon="bell" href={ruleHref}>
            Alert rule
          </LinkButton>
        )}
      </Card.Actions>
    </Card>
  );
}
