// The views the browser tier renders and checks, one entry each: what to mount, which fixtures
// answer its requests, and what a reader must see without scrolling. Adding a view is adding an
// entry here; check.ts reads the list from the page (window.harnessViews) and runs every check on
// every view at each of its sizes in both themes.
import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import type { AppPlugin, AppPluginMeta } from '@grafana/data';
import CapturePage from '../../src/pages/CapturePage';
import CapturesPage from '../../src/pages/CapturesPage';
import ComparePage from '../../src/pages/ComparePage';
import WorkloadPage from '../../src/pages/WorkloadPage';
import { comparison, detailGoCpu, hotFrames } from '../../src/test/acrossFixtures';
import AppConfig from '../../src/components/AppConfig/AppConfig';
import type { AppSettings, CaptureDetail } from '../../src/api/types';
import { PLUGIN_ID, RESOURCES_URL } from '../../src/constants';
import { captureList, detailDone, detailFailed, detailSkipped, detailTruncated, health } from '../../src/test/fixtures';
import { jvmHeapPiece } from '../../src/test/fixtures/evidence';
import { AppPage } from './AppPage';
import { CheckerProbe } from './CheckerProbe';
import { PanelView } from './PanelView';
import { ThrowingProbe } from './ThrowingProbe';

export interface Size {
  width: number;
  height: number;
}

/** An element a reader must see at once: inside the viewport, without scrolling. */
export interface MustSee {
  /** Named in a failure. */
  what: string;
  selector: string;
  /** The first element matching selector whose text contains this is the one checked. */
  text: string;
}

/** The serialisable part of a view: what check.ts reads from the page. */
export interface ViewSpec {
  /** In the URL (#<name>/<theme>) and in every failure. */
  name: string;
  /** A selector present once the fixture data is rendered. */
  ready: string;
  /** Clicked once ready (e.g. a button whose answer is part of the view); then ready is awaited again. */
  click?: string;
  sizes: Size[];
  mustSee: MustSee[];
  /**
   * A probe of the checks themselves, not a view of the plugin: rendered once, at its first size in
   * the dark theme, it must draw every problem listed in expect and none naming a text in clean.
   */
  probe?: { expect: string[]; clean: string[] };
  /** The README's image of this view: written only when UPDATE_SCREENSHOTS=1 asks for it. */
  readme?: { file: string; size: Size; theme: 'light' | 'dark' };
}

export interface View extends ViewSpec {
  render: () => React.ReactElement;
  /** What the fixtures answer to the view's requests, by "METHOD url". */
  answers?: Record<string, () => unknown>;
}

// Grafana leaves about 1100×800 beside its menu; a dashboard panel is 600×400 by default and
// 300 px wide in a side column.
const PAGE_SIZES: Size[] = [
  { width: 1100, height: 800 },
  { width: 600, height: 400 },
];
const PANEL_SIZES: Size[] = [...PAGE_SIZES, { width: 300, height: 400 }];

/** The fixtures' busiest JVM thread: what the capture page must show first. */
function busiestThread(detail: () => CaptureDetail = detailDone) {
  const threads = detail().processes.flatMap((p) => p.threads);
  const busiest = threads.reduce((a, b) => (b.cpuPercent > a.cpuPercent ? b : a));
  const frame = (busiest.frames ?? []).find((f) => !/^(java|javax|jdk|sun)\./.test(f.method));
  if (!frame) {
    throw new Error(`the fixture's busiest thread ${busiest.name} has no application frame`);
  }
  return { name: busiest.name, frame: frame.method };
}

/** The Go capture's hottest function by its own CPU. */
function hottestGoFunction() {
  const summary = detailGoCpu().evidence?.find((e) => e.kind === 'go-cpu')?.summary as
    { topFlat?: Array<{ function: string }> } | undefined;
  return summary?.topFlat?.[0]?.function ?? 'no go-cpu summary in the fixture';
}

/**
 * A memory capture of the JVM: the done capture's threads, taken because its alert's capture
 * label asked for memory, with the heap evidence of a real collection (contract/evidence/jvm-heap.json).
 */
function detailMemory(): CaptureDetail {
  const detail = detailDone();
  const heap = jvmHeapPiece();
  const alert = detail.alert && {
    ...detail.alert,
    alertname: 'Pod memory near its limit',
    summary: 'Container memory above 90% of its limit',
    labels: { ...detail.alert.labels, alertname: 'Pod memory near its limit', capture: 'memory' },
  };
  return {
    ...detail,
    alertname: 'Pod memory near its limit',
    alert,
    focus: 'memory',
    evidence: [
      {
        ...heap,
        container: detail.container,
        source: heap.source.replace(heap.container, detail.container),
        rawUrl: `captures/${detail.id}/evidence/${heap.id}/raw`,
      },
    ],
  };
}

/** The class that fills the memory capture's heap the most: the histogram's top. */
function topHeapClass() {
  const top = jvmHeapPiece().summary.histogram?.top?.[0];
  return top?.display || top?.class || 'no class histogram in the fixture';
}

/** The method and its class of a frame: what a narrow cell still says when it cuts the package. */
function shortFrame(frame: string) {
  return frame.split('.').slice(-2).join('.');
}

/** The done capture of the list whose top thread burned the most CPU: the panel's answer. */
function busiestListed() {
  const done = captureList().captures.filter((c) => c.topThread);
  const top = done.reduce((a, b) => ((b.topThread?.cpuPercent ?? 0) > (a.topThread?.cpuPercent ?? 0) ? b : a));
  return top.topThread?.name ?? '';
}

const configMeta = {
  id: PLUGIN_ID,
  enabled: true,
  pinned: true,
  jsonData: {
    clusters: ['default'],
    allowedNamespaces: ['shop', 'payments'],
    deniedNamespaces: ['kube-system'],
    sampleWindow: '2s',
    topThreads: 20,
    maxOutputBytes: 16 << 20,
  },
} as unknown as AppPluginMeta<AppSettings>;

/** The capture page of one stored capture, answered by its detail fixture. */
function capturePage(detail: () => CaptureDetail): Pick<View, 'render' | 'answers'> {
  const id = detail().id;
  return {
    answers: { [`GET ${RESOURCES_URL}/captures/${id}`]: detail },
    render: () => (
      <AppPage>
        <MemoryRouter initialEntries={[`/captures/${id}`]}>
          <Routes>
            <Route path="captures/:id" element={<CapturePage />} />
          </Routes>
        </MemoryRouter>
      </AppPage>
    ),
  };
}

export const VIEWS: View[] = [
  {
    name: 'capture',
    ready: '[data-testid="busy-thread"]',
    sizes: PAGE_SIZES,
    mustSee: [
      { what: "the busiest thread's name", selector: '[data-testid="busy-thread"] a', text: busiestThread().name },
      { what: "the busiest thread's top frame", selector: '[data-testid="top-frame"]', text: busiestThread().frame },
    ],
    readme: { file: 'src/img/screenshot-capture.png', size: { width: 1280, height: 1300 }, theme: 'dark' },
    ...capturePage(detailDone),
  },
  {
    // Cut at the output limit: still the busiest thread first, the cut said.
    name: 'capture-truncated',
    ready: '[data-testid="busy-thread"]',
    sizes: PAGE_SIZES,
    mustSee: [
      {
        what: "the busiest thread's name",
        selector: '[data-testid="busy-thread"] a',
        text: busiestThread(detailTruncated).name,
      },
    ],
    ...capturePage(detailTruncated),
  },
  {
    // A failed capture's answer is its reason, which the user acts on.
    name: 'capture-failed',
    ready: 'h1, h2',
    sizes: PAGE_SIZES,
    mustSee: [{ what: 'the reason it failed', selector: '*', text: 'forbidden: cannot create pods/exec' }],
    ...capturePage(detailFailed),
  },
  {
    name: 'capture-skipped',
    ready: 'h1, h2',
    sizes: PAGE_SIZES,
    mustSee: [{ what: 'the reason it was skipped', selector: '*', text: 'cooldown' }],
    ...capturePage(detailSkipped),
  },
  {
    // A Go program's capture: its hottest function first.
    name: 'capture-go',
    ready: '[data-testid="panel-placeholder"], section',
    sizes: PAGE_SIZES,
    mustSee: [
      { what: 'the hottest Go function', selector: '[data-testid="go-cpu-function"]', text: hottestGoFunction() },
    ],
    ...capturePage(detailGoCpu),
  },
  {
    // A memory capture of a JVM: the class filling its heap first, before the threads.
    name: 'capture-memory',
    ready: '[data-testid="histogram-class"]',
    sizes: PAGE_SIZES,
    mustSee: [
      { what: 'the class filling the heap most', selector: '[data-testid="histogram-class"]', text: topHeapClass() },
    ],
    ...capturePage(detailMemory),
  },
  {
    name: 'workload',
    ready: 'table tr',
    sizes: PAGE_SIZES,
    mustSee: [
      { what: "the workload's hottest frame", selector: 'td, a, span', text: shortFrame(hotFrames().frames[0].frame) },
    ],
    answers: { [`GET ${RESOURCES_URL}/workloads/hot-frames`]: hotFrames },
    render: () => {
      const w = hotFrames().workload;
      const q = new URLSearchParams({ cluster: w.cluster, namespace: w.namespace, kind: w.kind, name: w.name });
      return (
        <AppPage>
          <MemoryRouter initialEntries={[`/workload?${q}`]}>
            <WorkloadPage />
          </MemoryRouter>
        </AppPage>
      );
    },
  },
  {
    name: 'compare',
    ready: 'table tr',
    sizes: PAGE_SIZES,
    mustSee: [{ what: 'the first change', selector: 'td, a, span', text: shortFrame(comparison().entries[0].frame) }],
    answers: { [`GET ${RESOURCES_URL}/captures/compare`]: comparison },
    render: () => (
      <AppPage>
        <MemoryRouter initialEntries={[`/compare?base=${comparison().base.id}&other=${comparison().other.id}`]}>
          <ComparePage />
        </MemoryRouter>
      </AppPage>
    ),
  },
  {
    name: 'captures',
    ready: 'table tr',
    sizes: PAGE_SIZES,
    mustSee: [{ what: "the latest done capture's top thread", selector: 'td', text: busiestListed() }],
    answers: { [`GET ${RESOURCES_URL}/captures`]: captureList },
    render: () => (
      <AppPage>
        <MemoryRouter>
          <CapturesPage />
        </MemoryRouter>
      </AppPage>
    ),
  },
  {
    name: 'panel',
    ready: '[data-testid="capture-row"]',
    sizes: PANEL_SIZES,
    mustSee: [
      { what: "the busiest capture's top thread", selector: '[data-testid="capture-row"] td', text: busiestListed() },
    ],
    // At its provisioned size, as it sits beside the CPU graph.
    readme: { file: 'src/img/screenshot-panel.png', size: { width: 600, height: 400 }, theme: 'dark' },
    // In Grafana the panel sits inside the app's router too: its rows link to captures.
    answers: { [`GET ${RESOURCES_URL}/captures`]: captureList },
    render: () => (
      <MemoryRouter>
        <PanelView />
      </MemoryRouter>
    ),
  },
  {
    name: 'config',
    ready: '[data-testid="config-actions"]',
    sizes: PAGE_SIZES,
    mustSee: [{ what: 'the Test button', selector: '[data-testid="config-actions"] button', text: 'Test' }],
    render: () => (
      <AppPage>
        <AppConfig plugin={{ meta: configMeta } as AppPlugin<AppSettings>} query={{}} />
      </AppPage>
    ),
  },
  {
    // The health result must show where the user clicked Test, not at the foot of the form.
    name: 'config-tested',
    ready: '[data-testid="config-actions"]',
    click: '[data-testid="config-actions"] button[type="button"]',
    sizes: PAGE_SIZES,
    mustSee: [
      { what: 'the health result', selector: '[data-testid="config-actions"] [aria-live]', text: health().message },
    ],
    answers: { [`GET /api/plugins/${PLUGIN_ID}/health`]: health },
    render: () => (
      <AppPage>
        <AppConfig plugin={{ meta: configMeta } as AppPlugin<AppSettings>} query={{}} />
      </AppPage>
    ),
  },
];

/** Views that must fail the checks: they show the checks still catch what they are for. */
export const PROBES: View[] = [
  {
    name: 'probe-defects',
    ready: '[data-testid="probe"]',
    sizes: [{ width: 600, height: 400 }],
    mustSee: [{ what: "the probe's last line", selector: '[data-testid="probe-below"]', text: 'below the fold' }],
    probe: {
      expect: [
        'text runs',
        'spills a-thread',
        'cut by',
        'clipped a-thread',
        'full value is not on hover',
        'in-cell a-thread',
        'scrolls sideways',
        'the probe\'s last line ("below the fold") is not in the 600×400 viewport',
        'console error: probe: an error logged',
      ],
      clean: ['fine a-thread'],
    },
    render: () => <CheckerProbe />,
  },
  {
    name: 'probe-throws',
    ready: '[data-testid="never-rendered"]',
    sizes: [{ width: 600, height: 400 }],
    mustSee: [],
    probe: { expect: ['did not render: exception: probe: a view that throws'], clean: [] },
    render: () => <ThrowingProbe />,
  },
  {
    name: 'probe-blank',
    ready: '[data-testid="blank"]',
    sizes: [{ width: 600, height: 400 }],
    mustSee: [],
    probe: { expect: ['the page is blank'], clean: [] },
    render: () => <div data-testid="blank" />,
  },
];
