import React from 'react';
import { config } from '@grafana/runtime';
import { EmptyState, Text, TextLink } from '@grafana/ui';
import { WEBHOOK_URL } from '../../constants';

/** Empty state: how to make alerts capture threads. */
export function ConnectContactPointHelp() {
  const webhook = `${window.location.origin}${config.appSubUrl ?? ''}${WEBHOOK_URL}`;
  return (
    <EmptyState variant="call-to-action" message="No thread captures in this time range" hideImage>
      <Text element="p">
        To capture the busiest threads when an alert fires, add a <strong>Webhook</strong> contact point with URL{' '}
        <code>{webhook}</code>, and as <code>authorization_credentials</code> (Authorization header, scheme Bearer) a
        service-account token with the <strong>Editor</strong> role. Route alerts with pod and namespace labels to it.
      </Text>
      <TextLink
        href="https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/"
        external
      >
        Webhook contact points
      </TextLink>
    </EmptyState>
  );
}
