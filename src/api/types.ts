// Types of the backend's resource API (contract/*.json). The contract tests type the
// fixtures through these, so a change of shape on either side fails typecheck or a test.

export type CaptureStatus = 'queued' | 'running' | 'done' | 'failed' | 'skipped';
export type CaptureTrigger = 'alert' | 'manual';
export type DumpSource = 'jcmd' | 'jstack' | 'sigquit';

/** The busiest thread of a capture, as listed. */
export interface TopThread {
  name: string;
  nid: number;
  cpuPercent: number;
}

/** One row of GET /captures. Times are epoch milliseconds or null. */
export interface CaptureSummary {
  id: number;
  status: CaptureStatus;
  trigger: CaptureTrigger;
  /** The server-configured cluster it ran in; "" for captures from before clusters. */
  cluster: string;
  namespace: string;
  pod: string;
  /** Empty while the container is not yet resolved. */
  container: string;
  node: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The reason for failed and skipped captures. */
  error: string;
  /** For a capture skipped by the cooldown: when the next capture of that container may run. */
  nextAllowedAt: number | null;
  truncated: boolean;
  windowMs: number;
  alertname: string;
  dashboardUid: string;
  panelId: number;
  topThread: TopThread | null;
}

export interface CaptureList {
  captures: CaptureSummary[];
  /** Cursor for the next page; "" on the last page. */
  nextCursor: string;
}

export interface CaptureQuery {
  cluster?: string;
  namespace?: string;
  pod?: string;
  container?: string;
  node?: string;
  status?: CaptureStatus;
  /** Epoch milliseconds, on createdAt, inclusive. */
  from?: number;
  to?: number;
  dashboardUid?: string;
  panelId?: number;
  /** 1..500, default 50. */
  limit?: number;
  cursor?: string;
}

/** The alert that triggered a capture. */
export interface CaptureAlert {
  alertname: string;
  ruleUID?: string;
  fingerprint?: string;
  /** RFC 3339. */
  startsAt?: string;
  labels?: Record<string, string>;
  summary?: string;
  values?: Record<string, number>;
  generatorURL?: string;
  dashboardURL?: string;
  panelURL?: string;
  dashboardUid?: string;
  panelId?: number;
  orgId?: number;
}

/** One "at ..." line of a stack. */
export interface Frame {
  method: string;
  source?: string;
}

export type LockKind =
  'waiting on' | 'locked' | 'waiting to lock' | 'parking to wait for' | 'waiting to re-lock' | 'owned';

/** A monitor or synchronizer a thread holds or waits for. */
export interface Lock {
  kind: LockKind;
  id: string;
  class?: string;
  /** Index of the frame the lock line follows; -1 for owned synchronizers. */
  frame: number;
}

export type ThreadState = 'NEW' | 'RUNNABLE' | 'BLOCKED' | 'WAITING' | 'TIMED_WAITING' | 'TERMINATED';

/** One thread of a JVM: CPU from /proc joined with its stack from the dump. */
export interface Thread {
  name: string;
  nid: number;
  javaId?: number;
  daemon?: boolean;
  priority?: number;
  /** Over the sampling window; 100 = one core. */
  cpuPercent: number;
  cpuMs: number;
  /** Empty for VM threads. */
  state?: ThreadState;
  stateInfo?: string;
  frames?: Frame[];
  locks?: Lock[];
  ownedSyncs?: Lock[];
  /** False: seen in /proc only (the thread ended, or is not a Java thread). */
  inDump: boolean;
}

/** One JVM found in a container, with its busiest threads. */
export interface Process {
  pid: number;
  container?: string;
  command?: string;
  jvm?: string;
  dumpSource?: DumpSource;
  windowMs: number;
  threadCount: number;
  cpuPercent: number;
  threads: Thread[];
  /** "Found one Java-level deadlock" sections, verbatim. */
  deadlocks?: string[];
  truncated?: boolean;
  error?: string;
}

/** GET /captures/{id}. */
export interface CaptureDetail extends CaptureSummary {
  requestedBy: string;
  alert: CaptureAlert | null;
  processes: Process[];
}

/** POST /captures body. */
export interface SubmitRequest {
  /** Optional when the org may use exactly one cluster. */
  cluster?: string;
  namespace: string;
  pod: string;
  container?: string;
}

export interface AcceptedCapture {
  id: number;
  cluster: string;
  namespace: string;
  pod: string;
  container: string;
}

export interface SkippedCapture {
  namespace: string;
  pod: string;
  container: string;
  alertname?: string;
  reason: string;
}

/** POST /captures response (202). */
export interface SubmitResult {
  accepted: AcceptedCapture[];
  skipped: SkippedCapture[];
}

export type HealthCheckStatus = 'ok' | 'warning' | 'error';

export interface HealthCheck {
  name: string;
  status: HealthCheckStatus;
  message: string;
}

/** GET /api/plugins/<id>/health. */
export interface HealthResult {
  status: 'OK' | 'ERROR' | 'UNKNOWN';
  message: string;
  details?: {
    checks?: HealthCheck[];
  };
}

export interface LabelMapping {
  namespace?: string;
  pod?: string;
  container?: string;
  node?: string;
  cluster?: string;
}

/**
 * The org's jsonData. Every key is optional: a missing key means the backend's default. It can
 * only narrow the server admin's configuration (grafana.ini [plugin.seed-stackcapture-app]).
 */
export interface AppSettings {
  /** The server's clusters this org may use; empty: all of them. */
  clusters?: string[];
  allowedNamespaces?: string[];
  deniedNamespaces?: string[];
  sampleWindow?: string;
  topThreads?: number;
  cooldown?: string;
  captureTimeout?: string;
  maxOutputBytes?: number;
  retention?: string;
  maxBodyBytes?: number;
  labels?: LabelMapping;
}

/** Keys older versions kept in jsonData that are now the server admin's; saving drops them. */
export const SERVER_SETTING_KEYS = [
  'kubeconfig',
  'kubeContext',
  'databasePath',
  'perNodeLimit',
  'globalLimit',
  'maxDatabaseBytes',
];

/** One cluster of GET /clusters: a cluster this org may capture in. */
export interface ClusterInfo {
  name: string;
  /** The namespaces this org may capture in; null when allNamespaces. */
  namespaces: string[] | null;
  allNamespaces: boolean;
}

export interface ClusterList {
  clusters: ClusterInfo[];
}

// ---- Across captures and flame graphs (issue 14, h5-flame) -------------------------------
// Kept in one block. The fields these views read from captures (workload, evidence) are declared
// as types of their own that CaptureDetail satisfies once it carries them, so this block leaves
// the declarations above (and the evidence views' types) alone.

/** The owner of a capture's pod (Deployment, StatefulSet, …), as the backend resolved it. */
export interface WorkloadRef {
  kind: string;
  name: string;
}

/** What a capture says of its workload (GET /captures and /captures/{id}). */
export interface WithWorkload {
  /** Omitted when the pod's owner is unknown. */
  workload?: WorkloadRef;
}

/**
 * A call tree in Grafana's flame graph nested-set form: one entry per node, depth first, root
 * first; level is the depth (root 0), value the node's total, self what it spent in itself.
 */
export interface FlameNestedSet {
  levels: number[];
  values: number[];
  selfs: number[];
  labels: string[];
  /** "nanoseconds" for CPU time. */
  unit: string;
}

/** The part of a piece of evidence the flame graph reads (the full type is the evidence views'). */
export interface FlameEvidence {
  id: number;
  kind: string;
  container: string;
  failure: { reason: string; message: string } | null;
  /** For go-cpu, a summary with a "flame" tree; other kinds are not read here. */
  summary: unknown;
}

/** What a capture's detail holds for its flame graphs. */
export interface WithFlameEvidence {
  /** The capture's pieces of evidence besides the JVM threads; absent from older backends. */
  evidence?: readonly FlameEvidence[];
}

/** One workload of one cluster and namespace: whose captures are read across. */
export interface WorkloadKey {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
}

/** A frame (a function without line number) that was hot in captures of a workload. */
export interface HotFrame {
  /** "com.acme.Spin.spinHot" for Java, the function name for Go. */
  frame: string;
  /** In how many of the range's captures it was among the hottest. */
  captures: number;
  /** Mean CPU share (1.0 = one core) over the captures that measured it; null when none did. */
  share: number | null;
  /** RFC 3339. */
  firstSeen: string;
  lastSeen: string;
  lastCaptureId: number;
}

/** GET /workloads/hot-frames. */
export interface HotFrames {
  workload: WorkloadKey;
  /** Captures of the workload in the range. */
  captures: number;
  /** RFC 3339. */
  from: string;
  to: string;
  frames: HotFrame[];
}

export interface HotFramesQuery extends WorkloadKey {
  /** Epoch milliseconds. */
  from: number;
  to: number;
  limit?: number;
}

/** GET /captures/{id}/previous. */
export interface PreviousCapture {
  id: number;
}

export type FrameChange = 'appeared' | 'disappeared' | 'grew' | 'shrank' | 'same';

/** One frame (and, for a JVM, thread) of two captures compared. */
export interface CompareEntry {
  frame: string;
  /** The JVM thread the frame was hot in; absent for Go. */
  thread?: string;
  /** CPU share (1.0 = one core) in each capture; null where the frame was not among its hottest. */
  baseShare: number | null;
  otherShare: number | null;
  change: FrameChange;
}

export interface CompareSide {
  id: number;
  /** RFC 3339. */
  createdAt: string;
}

/** GET /captures/compare?base=A&other=B. */
export interface CaptureComparison {
  base: CompareSide;
  other: CompareSide;
  entries: CompareEntry[];
}
// ---- end of the across-captures block ------------------------------------------------------
