import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { PluginType, type AppPluginMeta, type AppPlugin } from '@grafana/data';
import type { BackendSrvRequest } from '@grafana/runtime';
import type { AppSettings } from '../../api/types';
import { health } from '../../test/fixtures';
import { HttpFailure, routes } from '../../test/transport';
import AppConfig from './AppConfig';

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const SETTINGS = 'POST /api/plugins/seed-stackcapture-app/settings';
const HEALTH = 'GET /api/plugins/seed-stackcapture-app/health';

function renderConfig(jsonData: AppSettings & Record<string, unknown>) {
  const meta = {
    id: 'seed-stackcapture-app',
    name: 'Stack Capture',
    type: PluginType.app,
    enabled: true,
    pinned: false,
    jsonData,
    info: {} as AppPluginMeta['info'],
    module: '',
    baseUrl: '',
  } as AppPluginMeta<AppSettings>;
  return render(<AppConfig plugin={{ meta } as AppPlugin<AppSettings>} query={{}} />);
}

describe('AppConfig', () => {
  let posted: BackendSrvRequest[];

  beforeEach(() => {
    posted = [];
    mockFetch.mockImplementation(
      routes({
        [SETTINGS]: (req) => {
          posted.push(req);
          return {};
        },
        // Grafana answers a failed health check with 503 and the result as body.
        [HEALTH]: () => new HttpFailure(503, health()),
      })
    );
  });

  it('blocks saving while a field is invalid', async () => {
    renderConfig({});
    const sample = screen.getByLabelText(/^Sample window/);
    await userEvent.type(sample, '2 seconds');
    expect(screen.getByText(/Not a Go duration/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(screen.getByText('Not saved')).toBeInTheDocument();
    expect(posted).toHaveLength(0);

    await userEvent.clear(sample);
    await userEvent.type(sample, '90s');
    expect(screen.getByText('Must be between 100ms and 60s')).toBeInTheDocument();
    await userEvent.clear(sample);
    await userEvent.type(sample, '40s');
    // Longer than the default 30s capture timeout.
    expect(screen.getByText('Must be longer than the sample window (40s)')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(posted).toHaveLength(0);
  });

  it('posts only the settings that differ from the defaults, keeping unknown keys', async () => {
    renderConfig({ topThreads: 80, retention: '336h', somethingElse: 'kept' });
    expect(screen.getByLabelText(/^Top threads/)).toHaveValue('80');
    await userEvent.clear(screen.getByLabelText(/^Top threads/));
    await userEvent.type(screen.getByLabelText(/^Top threads/), '50');
    await userEvent.type(screen.getByLabelText(/^Sample window/), '500ms');
    await userEvent.type(screen.getByLabelText(/^Cooldown/), '1h30m');
    await userEvent.type(screen.getByLabelText(/^Pod label/), 'kubernetes_pod_name');
    await userEvent.type(screen.getByLabelText(/^Node label/), 'node');
    await userEvent.type(screen.getByLabelText(/^Max output bytes/), '65536');
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));

    expect(await screen.findByText('Settings saved')).toBeInTheDocument();
    expect(posted).toHaveLength(1);
    expect(posted[0].data).toEqual({
      enabled: true,
      pinned: false,
      jsonData: {
        somethingElse: 'kept',
        sampleWindow: '500ms',
        cooldown: '1h30m',
        maxOutputBytes: 65536,
        labels: { pod: 'kubernetes_pod_name' },
      },
    });
  });

  it('drops the keys that are now server settings and writes the clusters', async () => {
    renderConfig({ kubeconfig: '/etc/passwd', databasePath: '/tmp/x.db', perNodeLimit: 1, topThreads: 7 });
    expect(screen.queryByLabelText(/Kubeconfig/)).not.toBeInTheDocument();
    expect(screen.queryByLabelText(/Database path/)).not.toBeInTheDocument();
    expect(screen.getByText('Set by the Grafana server admin')).toBeInTheDocument();
    await userEvent.type(screen.getByPlaceholderText('all clusters'), 'prod-eu{enter}');
    await userEvent.type(screen.getByLabelText(/^Cluster label/), 'k8s_cluster');
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('Settings saved')).toBeInTheDocument();
    expect(posted[0].data).toEqual({
      enabled: true,
      pinned: false,
      jsonData: { topThreads: 7, clusters: ['prod-eu'], labels: { cluster: 'k8s_cluster' } },
    });
  });

  it('writes an emptied denied-namespaces list, since empty differs from the default', async () => {
    renderConfig({});
    expect(screen.getByText('kube-system')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: /Remove tag: kube-system/i }));
    await userEvent.type(screen.getByPlaceholderText('all namespaces'), 'shop{enter}');
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('Settings saved')).toBeInTheDocument();
    expect(posted[0].data).toEqual({
      enabled: true,
      pinned: false,
      jsonData: { allowedNamespaces: ['shop'], deniedNamespaces: [] },
    });
  });

  it('runs the health check and shows every check', async () => {
    renderConfig({});
    await userEvent.click(screen.getByRole('button', { name: 'Test' }));
    expect(await screen.findByText('2 of 4 checks failed: see details')).toBeInTheDocument();
    for (const check of health().details?.checks ?? []) {
      expect(screen.getByText(check.name)).toBeInTheDocument();
      expect(screen.getByText(`: ${check.message}`, { exact: false })).toBeInTheDocument();
    }
    expect(screen.getAllByText('error')).toHaveLength(2);
    expect(screen.getAllByText('ok')).toHaveLength(2);
  });

  it('shows and takes sizes in units, and saves them as bytes', async () => {
    renderConfig({ maxOutputBytes: 65536 });
    const output = screen.getByLabelText(/^Max output bytes/);
    expect(output).toHaveValue('64 KiB');
    expect(screen.getByLabelText(/^Max webhook body bytes/)).toHaveAttribute('placeholder', '1 MiB (default)');
    expect(screen.getByText(/From 64 KiB to 1 GiB/)).toBeInTheDocument();

    await userEvent.clear(output);
    await userEvent.type(output, '1');
    expect(screen.getByText('Must be between 64 KiB and 1 GiB')).toBeInTheDocument();
    await userEvent.clear(output);
    await userEvent.type(output, '16 MB');
    expect(screen.getByText(/Not a size/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(posted).toHaveLength(0);

    await userEvent.clear(output);
    await userEvent.type(output, '524288');
    await userEvent.tab();
    expect(output).toHaveValue('512 KiB');
    const body = screen.getByLabelText(/^Max webhook body bytes/);
    await userEvent.type(body, '1 MiB'); // the default: not written
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('Settings saved')).toBeInTheDocument();
    expect(posted[0].data).toEqual({ enabled: true, pinned: false, jsonData: { maxOutputBytes: 524288 } });
  });

  it('says what an empty namespace list means only while it is empty', async () => {
    renderConfig({});
    expect(screen.getByText('kube-system')).toBeInTheDocument();
    expect(screen.queryByPlaceholderText('none denied')).not.toBeInTheDocument();
    expect(screen.queryByPlaceholderText(/no namespace denied/)).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: /Remove tag: kube-system/i }));
    expect(screen.getByPlaceholderText('none denied')).toBeInTheDocument();

    await userEvent.type(screen.getByPlaceholderText('all namespaces'), 'shop{enter}');
    expect(screen.queryByPlaceholderText('all namespaces')).not.toBeInTheDocument();
    expect(screen.getAllByPlaceholderText('add a namespace')).toHaveLength(1);
  });

  it('shows the health result beside the Test button, in a bar that stays in view', async () => {
    renderConfig({});
    const actions = screen.getByTestId('config-actions');
    await userEvent.click(within(actions).getByRole('button', { name: 'Test' }));
    expect(await within(actions).findByText('2 of 4 checks failed: see details')).toBeInTheDocument();
    expect(actions).toHaveStyle({ position: 'sticky', bottom: '0px' });
    // The result comes before the buttons in the bar, so it is what the eye meets above them.
    const result = within(actions).getByText('2 of 4 checks failed: see details');
    const button = within(actions).getByRole('button', { name: 'Test' });
    expect(result.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });
});
