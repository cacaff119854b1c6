import React from 'react';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { OrgRole } from '@grafana/data';
import { config, type BackendSrvRequest } from '@grafana/runtime';
import { clusterList, submitResult } from '../test/fixtures';
import { renderInRouter } from '../test/renderInRouter';
import { routes } from '../test/transport';
import CaptureNowPage from './CaptureNowPage';

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const SUBMIT = 'POST /api/plugins/seed-stackcapture-app/resources/captures';
const CLUSTERS = 'GET /api/plugins/seed-stackcapture-app/resources/clusters';

function signInAs(role: OrgRole) {
  config.bootData.user = { ...config.bootData.user, orgRole: role, isGrafanaAdmin: false };
}

describe('CaptureNowPage', () => {
  let posted: BackendSrvRequest[];
  let clusters: ReturnType<typeof clusterList>;

  beforeEach(() => {
    posted = [];
    clusters = { clusters: [clusterList().clusters[0]] }; // one cluster: nothing to pick
    mockFetch.mockImplementation(
      routes({
        [SUBMIT]: (req) => {
          posted.push(req);
          return submitResult();
        },
        [CLUSTERS]: () => clusters,
      })
    );
  });

  it('asks for confirmation, posts the target and shows accepted and skipped results', async () => {
    signInAs(OrgRole.Editor);
    renderInRouter(<CaptureNowPage />, '/capture-now?namespace=shop');
    expect(screen.getByLabelText(/Namespace/)).toHaveValue('shop');
    expect(await screen.findByText('Allowed in prod-eu: shop, pay.')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(/Pod/), 'checkout-7d9f8c6b5-x2x4q');
    await userEvent.type(screen.getByLabelText(/Container/), 'app');
    await userEvent.click(screen.getByRole('button', { name: 'Capture now' }));

    expect(screen.getByText('Capture now?')).toBeInTheDocument();
    // What the backend takes without a focus: the org's defaultCapture, not always a thread dump.
    const target = 'prod-eu: shop/checkout-7d9f8c6b5-x2x4q/app now';
    expect(screen.getByText(`This captures ${target}`, { exact: false })).toHaveTextContent(
      "the app's default capture"
    );
    expect(posted).toHaveLength(0);
    await userEvent.click(screen.getByRole('button', { name: 'Capture' }));

    expect(await screen.findByText('Capture accepted')).toBeInTheDocument();
    expect(posted).toHaveLength(1);
    expect(posted[0].data).toEqual({
      cluster: 'prod-eu',
      namespace: 'shop',
      pod: 'checkout-7d9f8c6b5-x2x4q',
      container: 'app',
    });
    expect(screen.getByRole('link', { name: 'Capture 3: shop/checkout-7d9f8c6b5-x2x4q / app' })).toHaveAttribute(
      'href',
      '/a/seed-stackcapture-app/captures/3'
    );
    expect(screen.getByText(/alert has no namespace \(label "namespace"\) and no pod/)).toBeInTheDocument();
  });

  it('does not post when the confirmation is dismissed, and omits an empty container', async () => {
    signInAs(OrgRole.Admin);
    renderInRouter(<CaptureNowPage />, '/capture-now?namespace=shop&pod=p1');
    await screen.findByText('prod-eu');
    await userEvent.click(screen.getByRole('button', { name: 'Capture now' }));
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(posted).toHaveLength(0);
    await userEvent.click(screen.getByRole('button', { name: 'Capture now' }));
    await userEvent.click(screen.getByRole('button', { name: 'Capture' }));
    await screen.findByText('Capture accepted');
    expect(posted[0].data).toEqual({ cluster: 'prod-eu', namespace: 'shop', pod: 'p1' });
  });

  it('posts the chosen focus and says what it takes; Default sends none', async () => {
    signInAs(OrgRole.Editor);
    renderInRouter(<CaptureNowPage />, '/capture-now?namespace=shop&pod=p1');
    await screen.findByText('prod-eu');
    await userEvent.click(screen.getByLabelText('Memory'));
    await userEvent.click(screen.getByRole('button', { name: 'Capture now' }));
    expect(screen.getByText('This captures prod-eu: shop/p1 now', { exact: false })).toHaveTextContent(
      "taking each JVM's heap with its class histogram"
    );
    await userEvent.click(screen.getByRole('button', { name: 'Capture' }));
    await screen.findByText('Capture accepted');
    expect(posted[0].data).toEqual({ cluster: 'prod-eu', namespace: 'shop', pod: 'p1', focus: 'memory' });

    await userEvent.click(screen.getByLabelText('Default'));
    await userEvent.click(screen.getByRole('button', { name: 'Capture now' }));
    await userEvent.click(screen.getByRole('button', { name: 'Capture' }));
    await screen.findAllByText('Capture accepted');
    expect(posted[1].data).toEqual({ cluster: 'prod-eu', namespace: 'shop', pod: 'p1' });
  });

  it('asks for a cluster when the org may use several', async () => {
    signInAs(OrgRole.Editor);
    clusters = clusterList();
    renderInRouter(<CaptureNowPage />, '/capture-now?namespace=shop&pod=p1');
    expect(await screen.findByText('The clusters this organization may capture in.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Capture now' })).toBeDisabled();
    await userEvent.click(screen.getByLabelText('lab'));
    expect(screen.getByText(/Any namespace of lab/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Capture now' }));
    await userEvent.click(screen.getByRole('button', { name: 'Capture' }));
    await screen.findByText('Capture accepted');
    expect(posted[0].data).toEqual({ cluster: 'lab', namespace: 'shop', pod: 'p1' });
  });

  it('says so when the org may use no cluster', async () => {
    signInAs(OrgRole.Editor);
    clusters = { clusters: [] };
    renderInRouter(<CaptureNowPage />, '/capture-now?namespace=shop&pod=p1');
    expect(await screen.findByText('No cluster available')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Capture now' })).toBeDisabled();
  });

  it('is hidden for viewers', () => {
    signInAs(OrgRole.Viewer);
    renderInRouter(<CaptureNowPage />, '/capture-now');
    expect(screen.getByText('Editor role required')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Capture now' })).not.toBeInTheDocument();
    expect(screen.queryByLabelText(/Pod/)).not.toBeInTheDocument();
  });
});
