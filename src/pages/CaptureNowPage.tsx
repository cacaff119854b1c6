import React from 'react';
import { useSearchParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Alert } from '@grafana/ui';
import { CaptureNowForm } from '../components/captureNow/CaptureNowForm';
import { canRequestCaptures } from '../utils/roles';

/** Manual capture, for Editors and above; prefilled from ?namespace=&pod=&container=. */
function CaptureNowPage() {
  const [params] = useSearchParams();
  return (
    <PluginPage>
      {canRequestCaptures() ? (
        <CaptureNowForm
          initial={{
            namespace: params.get('namespace') ?? '',
            pod: params.get('pod') ?? '',
            container: params.get('container') ?? '',
          }}
        />
      ) : (
        <Alert severity="info" title="Editor role required">
          Requesting a capture needs the Editor role or above. Ask an editor, or open the captures list.
        </Alert>
      )}
    </PluginPage>
  );
}

export default CaptureNowPage;
