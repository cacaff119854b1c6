import React from 'react';
import { Alert, Badge, type BadgeColor, Stack, Text } from '@grafana/ui';
import type { HealthCheckStatus, HealthResult } from '../../api/types';

const COLORS: Record<HealthCheckStatus, BadgeColor> = { ok: 'green', warning: 'orange', error: 'red' };

interface Props {
  health: HealthResult;
}

/** The health check's verdict and each check's message. */
export function HealthCheckResult({ health }: Props) {
  const checks = health.details?.checks ?? [];
  return (
    <Alert severity={health.status === 'OK' ? 'success' : 'error'} title={health.message}>
      <Stack direction="column" gap={1}>
        {checks.map((check) => (
          <Stack key={check.name} direction="row" alignItems="flex-start" gap={1}>
            <Badge text={check.status} color={COLORS[check.status] ?? 'darkgrey'} />
            <Text>
              <strong>{check.name}</strong>: {check.message}
            </Text>
          </Stack>
        ))}
      </Stack>
    </Alert>
  );
}
