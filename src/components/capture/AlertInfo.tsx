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
  const panelLink = alert.panelURL || alert.dashboardURL;
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
        {panelLink && (
          <LinkButton variant="secondary" icon="apps" href={relativeIfSameHost(panelLink)}>
            {alert.panelURL ? 'Dashboard panel' : 'Dashboard'}
          </LinkButton>
        )}
        {alert.generatorURL && (
          <LinkButton variant="secondary" icon="bell" href={relativeIfSameHost(alert.generatorURL)}>
            Alert rule
          </LinkButton>
        )}
      </Card.Actions>
    </Card>
  );
}
