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
