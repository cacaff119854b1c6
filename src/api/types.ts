// Types of the backend's resource API (contract/*.json). The contract tests type the
// fixtures through these, so a change of shape on either side fails typecheck or a test.

export type CaptureStatus = 'queued' | 'running' | 'done' | 'failed' | 'skipped';
export type CaptureTrigger = 'alert' | 'manual';
export type DumpSource = 'attach' | 'jcmd' | 'jstack' | 'sigquit';

/** The busiest thread of a capture, as listed. */
export interface TopThread {
  name: string;
  nid: number;
  cpuPercent: number;
}

/** What an alert's "capture" label asked a capture to look at (cpu when the label was absent). */
export type Focus = 'cpu' | 'memory' | 'all';

/** The kinds of evidence this version has views for; the API may serve others (see EvidenceKind). */
export type KnownEvidenceKind = 'go-cpu' | 'go-goroutines' | 'go-heap' | 'jvm-heap' | 'pod-story';

/** A kind of evidence as served: a known one, or a kind from a newer backend ("not viewable"). */
export type EvidenceKind = KnownEvidenceKind | (string & {});

/** The workload owning the captured pod (the pod's controller, followed up to a Deployment). */
export interface Workload {
  kind: string;
  name: string;
}

/** Which answer a TopFunction is: the most own CPU, or what fills the heap. */
export type TopFunctionKind = 'cpu' | 'heap';

/**
 * The hottest function of a capture, as listed beside topThread: for a Go CPU profile the
 * function with the most own CPU (kind "cpu"); for a memory capture, or one with no CPU
 * answer, the top class (JVM) or in-use function (Go), then with bytes instead of cpuPercent
 * (kind "heap").
 */
export interface TopFunction {
  /** Absent from backends before heap answers: read from which of cpuPercent and bytes is set. */
  kind?: TopFunctionKind;
  name: string;
  /** The container whose profile it tops. */
  container?: string;
  /** Own CPU over the window; 100 = one core (kind "cpu"). */
  cpuPercent?: number;
  /** Bytes in use on the heap (kind "heap"). */
  bytes?: number;
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
  /** Absent from backends before kinds of evidence: read as "cpu". */
  focus?: Focus;
  workload?: Workload | null;
  /** The kinds of evidence the capture holds something of ("jvm-threads" when it has threads). */
  evidenceKinds?: EvidenceKind[] | null;
  topFunction?: TopFunction | null;
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
  /** The capture's pieces of evidence besides the JVM threads (absent from older backends). */
  evidence?: EvidencePiece[];
}

/** Why a piece of evidence could not be taken: reason from the room's closed set, message what to do. */
export interface EvidenceFailure {
  reason: string;
  message: string;
}

/** One piece of evidence of a capture (evidence.Piece as served). */
export interface EvidencePiece {
  id: number;
  kind: EvidenceKind;
  /** Empty when the piece is about the pod or node as a whole. */
  container: string;
  /** How it was reached, in words a user checks against their pod. */
  source: string;
  /** What was asked for, when that is a path or command. */
  path?: string;
  /** RFC 3339; null when the room did not say. */
  startedAt: string | null;
  tookMs: number;
  truncated: boolean;
  failure: EvidenceFailure | null;
  /** The kind's summary (see the *Summary types below), or null when nothing could be read. */
  summary: unknown;
  rawBytes?: number;
  /** Relative to the plugin's resources ("captures/7/evidence/12/raw"); absent when no raw is kept. */
  rawUrl?: string;
}

// Summaries per kind: the rooms' Go types as tagged (pkg/pprof, pkg/jvmheap, pkg/podstory).
// Durations are Go nanoseconds; shares are of one core over the window (1.0 = one core). Go
// serves an empty list as null, so lists without omitempty are typed `| null`.

/** pprof.CPUFunc. */
export interface GoCpuFunction {
  function: string;
  file?: string;
  flatNanos: number;
  cumNanos: number;
  flatShare: number;
  cumShare: number;
}

/** Grafana's flame graph nested-set form (depth-first, root first). */
export interface FlameTree {
  levels: number[];
  values: number[];
  selfs: number[];
  labels: string[];
  unit: string;
}

/** go-cpu: pprof.CPUSummary. */
export interface GoCpuSummary {
  windowNanos: number;
  totalNanos: number;
  totalShare: number;
  samples: number;
  functions: number;
  topFlat: GoCpuFunction[] | null;
  topCum: GoCpuFunction[] | null;
  flame?: FlameTree;
}

/** pprof.Frame: one line of a goroutine stack, innermost first. */
export interface GoFrame {
  function: string;
  file?: string;
  line?: number;
}

/** pprof.GoroutineGroup: every goroutine with an identical stack. */
export interface GoroutineGroup {
  count: number;
  /** "running", "chan receive", "select", "IO wait", … read from the stack. */
  state: string;
  /** The innermost frame of the program's own code. */
  top: string;
  stack: GoFrame[] | null;
  stackCut?: boolean;
  labels?: string[];
}

/** go-goroutines: pprof.GoroutineSummary. */
export interface GoroutineSummary {
  total: number;
  groups: GoroutineGroup[] | null;
  groupCount: number;
  otherGoroutines: number;
  byState: Array<{ state: string; count: number }> | null;
}

/** pprof.FuncStat: flat is allocated right there, cum below the function too. */
export interface GoFuncStat {
  function: string;
  file?: string;
  flat: number;
  cum: number;
}

/** go-heap: pprof.HeapSummary. */
export interface GoHeapSummary {
  inUseBytes: number;
  inUseObjects: number;
  allocBytes: number;
  allocObjects: number;
  topInUseBytes: GoFuncStat[] | null;
  topInUseObjects: GoFuncStat[] | null;
  topAllocBytes: GoFuncStat[] | null;
  topAllocObjects: GoFuncStat[] | null;
}

/** jvmheap.HeapSpace. */
export interface JvmHeapSpace {
  name: string;
  usedBytes: number;
  committedBytes: number;
}

/** jvmheap.Metaspace. */
export interface JvmMetaspace {
  usedBytes: number;
  committedBytes: number;
  reservedBytes: number;
  classUsedBytes: number;
  classCommittedBytes: number;
}

/** jvmheap.HeapInfo; zero sizes are not reported by the collector. */
export interface JvmHeapInfo {
  collector: string;
  usedBytes: number;
  committedBytes: number;
  maxBytes?: number;
  spaces?: JvmHeapSpace[];
  metaspace?: JvmMetaspace;
}

/** jvmheap.ClassBucket: one class histogram row. */
export interface JvmClassBucket {
  rank?: number;
  /** The JVM's name: "[B", "HeapGrow$Block". */
  class?: string;
  /** Java source form: "byte[]". */
  display?: string;
  module?: string;
  instances: number;
  bytes: number;
}

/** jvmheap.Histogram. */
export interface JvmHistogram {
  all: boolean;
  top: JvmClassBucket[] | null;
  total: JvmClassBucket;
  omittedBytes: number;
}

/** jvmheap.NativeMemory (VM.native_memory summary). */
export interface JvmNativeMemory {
  reservedBytes: number;
  committedBytes: number;
  categories: Array<{ name: string; reservedBytes: number; committedBytes: number }> | null;
}

/** Why one part of a multi-part summary is missing (jvmheap.Failure, podstory.Failure). */
export interface PartFailure {
  part: string;
  reason: string;
  message: string;
}

/** jvm-heap: jvmheap.Evidence, one JVM. */
export interface JvmHeapSummary {
  pid: number;
  command?: string;
  histogramMode: string;
  heap?: JvmHeapInfo;
  histogram?: JvmHistogram;
  metaspace?: JvmMetaspace;
  nativeMemory?: JvmNativeMemory;
  failures?: PartFailure[];
}

/** podstory.ContainerState. Times RFC 3339. */
export interface ContainerState {
  state: 'running' | 'waiting' | 'terminated' | (string & {});
  reason?: string;
  message?: string;
  exitCode?: number;
  signal?: number;
  startedAt?: string;
  finishedAt?: string;
}

/** podstory.Event: one core/v1 event about the pod. */
export interface PodEvent {
  type: string;
  reason: string;
  message: string;
  count: number;
  firstTime?: string;
  lastTime?: string;
  source?: string;
  earlierPod?: boolean;
}

/** podstory.LogExcerpt. */
export interface LogExcerpt {
  previous: boolean;
  since?: string;
  lines: Array<{ time?: string; text: string }> | null;
  truncated: boolean;
}

/** podstory.Story. */
export interface PodStory {
  namespace: string;
  pod: string;
  podUID?: string;
  container: string;
  node?: string;
  phase?: string;
  qosClass?: string;
  requests?: Record<string, string>;
  limits?: Record<string, string>;
  restartCount: number;
  state?: ContainerState;
  lastState?: ContainerState;
  events?: PodEvent[];
  log?: LogExcerpt;
  previousLog?: LogExcerpt;
  failures?: PartFailure[];
  alertStart: string;
  readAt: string;
}

/** podstory.Moment: one point of the timeline. */
export interface StoryMoment {
  time: string;
  kind: 'alert' | 'started' | 'terminated' | 'restarts' | 'event' | 'capture' | (string & {});
  text: string;
  warning?: boolean;
}

/** pod-story: the story and its timeline, oldest first. */
export interface PodStorySummary {
  story: PodStory;
  timeline: StoryMoment[] | null;
}

/** The summary type of each kind with a view. */
export interface EvidenceSummaries {
  'go-cpu': GoCpuSummary;
  'go-goroutines': GoroutineSummary;
  'go-heap': GoHeapSummary;
  'jvm-heap': JvmHeapSummary;
  'pod-story': PodStorySummary;
}

/** POST /captures body. */
export interface SubmitRequest {
  /** Optional when the org may use exactly one cluster. */
  cluster?: string;
  namespace: string;
  pod: string;
  container?: string;
  /** What to take; absent: the app's defaultCapture, as an alert without a capture label. */
  focus?: Focus;
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

// ---- Across captures and flame graphs ----------------------------------------------------
// The views read only these parts of a capture, so their props name the parts they need.

/** The owner of a capture's pod (Deployment, StatefulSet, …), as the backend resolved it. */
export type WorkloadRef = Workload;

/** What a capture says of its workload (GET /captures and /captures/{id}). */
export interface WithWorkload {
  /** Absent or null when the pod's owner is unknown. */
  workload?: Workload | null;
}

/** Grafana's flame graph nested-set form, as a go-cpu summary carries it. */
export type FlameNestedSet = FlameTree;

/** The part of a piece of evidence the flame graph reads. */
export type FlameEvidence = Pick<EvidencePiece, 'id' | 'kind' | 'container' | 'failure' | 'summary'>;

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
