// Package capture runs captures: it records each request, applies the namespace policy, the
// cooldown and the per-node and global limits, execs the probe, and stores what it found.
package capture

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/store"
)

// Kube is what a capture needs of Kubernetes: the pod lookup, and what the probe and the
// evidence rooms ask.
type Kube interface {
	Pod(ctx context.Context, namespace, name string) (*kube.PodInfo, error)
	evidence.Kube
}

// Store is what a capture needs of the store.
type Store interface {
	InsertBatch(ctx context.Context, cs []*store.Capture) ([]int64, error)
	MarkRunning(ctx context.Context, id int64, startedAt time.Time, container, node string) error
	SetContainer(ctx context.Context, id int64, container string) error
	SetWorkload(ctx context.Context, id int64, w store.Workload) error
	Finish(ctx context.Context, id int64, finishedAt time.Time, processes []jvm.Process, truncated bool, windowMs int64, pieces ...evidence.Piece) error
	Fail(ctx context.Context, id int64, finishedAt time.Time, reason string, processes []jvm.Process, pieces ...evidence.Piece) error
	LastCaptureTimes(ctx context.Context, since time.Time) (map[store.Key]time.Time, error)
}

// Logger is the part of the SDK's logger (and of *slog.Logger) that captures use.
type Logger interface {
	Info(msg string, args ...any)
	Warn(msg string, args ...any)
	Error(msg string, args ...any)
}

// Config bounds what captures may do to the cluster and to the workloads they inspect.
type Config struct {
	SampleWindow      time.Duration
	TopThreads        int
	Cooldown          time.Duration
	PerNodeLimit      int
	GlobalLimit       int
	CaptureTimeout    time.Duration // bounds a running capture; waiting for a slot is bounded by it too
	MaxOutputBytes    int64
	MaxQueued         int // captures queued or running at once; more are skipped (default 1000)
	AllowedNamespaces []string
	DeniedNamespaces  []string
	// Cluster is the cluster's name, recorded on every capture.
	Cluster string
	// Owner names this process on every capture it runs (crash recovery fails only the
	// captures of dead owners).
	Owner string
	// Observer is told what captures do, for metrics (default: nobody).
	Observer Observer
	// Shared holds the limits, cooldown and queue of one cluster, shared by every manager
	// for it (one per org's settings); nil gives this manager its own.
	Shared *Shared
	// Budget bounds the capture output held at once by the whole process, every cluster and
	// org: all managers share one. Each capture reserves MaxOutputBytes of it per container.
	// Nil: a budget of this manager's own, of DefaultBudgetBytes (or MaxOutputBytes if larger).
	Budget *Budget
	// Rooms collect the evidence besides the JVM threads (pkg/evidence): every room whose
	// Plan for the target is not empty runs beside the JVM probe, within CaptureTimeout.
	Rooms []evidence.Room
}

// Shared is what every manager of one cluster shares, whichever org's settings it runs with:
// the per-node and global limits, the cooldown (each manager asks with its own period) and
// the queue bound. Limits and cooldowns therefore hold across orgs.
type Shared struct {
	limiter   *limiter
	lookups   chan struct{}
	cooldown  *cooldown
	maxQueued int

	mu       sync.Mutex
	inFlight int
}

// NewShared returns the limits of one cluster. maxQueued ≤ 0 means 1000.
func NewShared(perNodeLimit, globalLimit, maxQueued int) *Shared {
	if maxQueued <= 0 {
		maxQueued = 1000
	}
	return &Shared{
		limiter:   newLimiter(perNodeLimit, globalLimit),
		lookups:   make(chan struct{}, max(globalLimit, 1)),
		cooldown:  newCooldown(0),
		maxQueued: maxQueued,
	}
}

// PeakConcurrency returns the highest number of captures seen running at once per node.
func (s *Shared) PeakConcurrency() map[string]int { return s.limiter.peaks() }

// InFlight is how many captures of the cluster are queued or running.
func (s *Shared) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// BudgetSetting is the setting that sizes the capture output budget, named in reasons: a key
// of the server configuration ([plugin.<id>] in grafana.ini).
const BudgetSetting = "output_budget_bytes"

// DefaultBudgetBytes is the default capture output budget: three captures at the default
// 16 MiB output cap at once. A capture's heap peaks at about 2.5 times its output (output,
// dump text, parsed threads; BenchmarkCaptureHeap16MiB), and the Go heap may grow to twice
// what is live before a collection: 20 captures at the cap then peaked at 250 MiB of RSS
// (bench: BenchmarkMemoryCaptures20AtCap), against 1.8 GiB without a budget.
const DefaultBudgetBytes = 48 << 20

// Request asks for one capture. A non-empty SkipReason records the request as skipped.
type Request struct {
	// OrgID is the Grafana org the capture belongs to: the org of the alert's contact point
	// or of the user.
	OrgID       int64
	Target      alert.Target
	Trigger     store.Trigger
	RequestedBy string
	SkipReason  string
}

// Accepted is a capture queued by Submit.
type Accepted struct {
	ID        int64
	Namespace string
	Pod       string
	Container string
}

// Result is what Submit did with each request.
type Result struct {
	Accepted []Accepted
	Skipped  []alert.Skipped
}

// Manager runs captures in the background. It is safe for concurrent use.
type Manager struct {
	cfg      Config
	kube     Kube
	store    Store
	log      Logger
	now      func() time.Time
	backoff  []time.Duration // between retries of a final write
	shared   *Shared
	limiter  *limiter
	budget   *Budget
	lookups  chan struct{} // pod lookups in flight, bounded like running captures
	cooldown *cooldown

	base   context.Context // cancelled by Close: running captures stop
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
}

// New returns a Manager. Call Close to stop its captures, or Drain to let them finish.
func New(cfg Config, k Kube, s Store, log Logger) *Manager {
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = 1000
	}
	shared := cfg.Shared
	if shared == nil {
		shared = NewShared(cfg.PerNodeLimit, cfg.GlobalLimit, cfg.MaxQueued)
	}
	// The limits that apply are the shared ones; keep cfg saying so for reasons and logs.
	cfg.PerNodeLimit, cfg.GlobalLimit, cfg.MaxQueued = shared.limiter.perNode, cap(shared.limiter.global), shared.maxQueued
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	budget := cfg.Budget
	if budget == nil {
		budget = NewBudget(max(DefaultBudgetBytes, cfg.MaxOutputBytes))
	}
	base, cancel := context.WithCancel(context.Background())
	return &Manager{
		budget:   budget,
		cfg:      cfg,
		kube:     k,
		store:    s,
		log:      log,
		now:      time.Now,
		backoff:  defaultWriteBackoff(),
		shared:   shared,
		limiter:  shared.limiter,
		lookups:  shared.lookups,
		cooldown: shared.cooldown,
		base:     base,
		cancel:   cancel,
	}
}

// storeSlack is what a capture's deadline allows beyond its two captureTimeouts (waiting for
// a slot, then running) for its final write and its retries.
const storeSlack = 3 * time.Minute

// Deadline is when a capture created at created is overdue: the waits and the run are each
// bounded by captureTimeout, and the final write by storeSlack.
func (m *Manager) Deadline(created time.Time) time.Time {
	return created.Add(2*m.cfg.CaptureTimeout + storeSlack)
}

// RestoreCooldown reloads recent captures from the store, so a restart does not reopen the
// cooldown of containers captured just before it.
func (m *Manager) RestoreCooldown(ctx context.Context) error {
	if m.cfg.Cooldown <= 0 {
		return nil
	}
	last, err := m.store.LastCaptureTimes(ctx, m.now().Add(-m.cfg.Cooldown))
	if err != nil {
		return fmt.Errorf("restore cooldown: %w", err)
	}
	for k, at := range last {
		if k.Cluster != m.cfg.Cluster {
			continue
		}
		m.cooldown.restore(k.Namespace, k.Pod, k.Container, at, m.cfg.Cooldown)
	}
	return nil
}

// Submit records every request (queued or skipped, in one transaction) and starts the queued
// captures in the background. It returns once they are recorded; the error means none were.
func (m *Manager) Submit(ctx context.Context, reqs []Request) (Result, error) {
	now := m.now().UTC()
	var (
		records  = make([]*store.Capture, 0, len(reqs))
		queued   []int // indexes into reqs and records of queued captures
		result   Result
		reserved []func() // undo cooldown and queue reservations if nothing gets stored
	)
	for i, r := range reqs {
		t := r.Target
		rec := &store.Capture{
			OrgID:       r.OrgID,
			Cluster:     m.cfg.Cluster,
			Owner:       m.cfg.Owner,
			Status:      store.StatusQueued,
			Trigger:     r.Trigger,
			RequestedBy: r.RequestedBy,
			Namespace:   t.Namespace,
			Pod:         t.Pod,
			Container:   t.Container,
			Node:        t.Node,
			CreatedAt:   now,
			Alert:       t.Alert,
			Focus:       t.Focus,
		}
		reason, next := r.SkipReason, time.Time{}
		if reason == "" && !isNodeTarget(t) { // a node is in no namespace
			reason = m.namespacePolicy(t.Namespace)
		}
		if reason == "" {
			if ok, nextAllowed := m.cooldown.reserveFor(t.Namespace, cooldownPod(t), t.Container, now, m.cfg.Cooldown); !ok {
				reason, next = cooldownReason(t, nextAllowed, m.cfg.Cooldown), nextAllowed
			} else if !m.reserveQueue() {
				m.cooldown.release(t.Namespace, cooldownPod(t), t.Container, now)
				reason = fmt.Sprintf("capture queue full: %d captures are queued or running (per-node limit %d, global limit %d)",
					m.cfg.MaxQueued, m.cfg.PerNodeLimit, m.cfg.GlobalLimit)
			} else {
				reserved = append(reserved, func() {
					m.cooldown.release(t.Namespace, cooldownPod(t), t.Container, now)
					m.releaseQueue()
				})
			}
		}
		if reason != "" {
			rec.Status, rec.Error, rec.FinishedAt, rec.NextAllowedAt = store.StatusSkipped, reason, now, next
			result.Skipped = append(result.Skipped, alert.Skipped{
				Namespace: t.Namespace, Pod: t.Pod, Container: t.Container, AlertName: alertName(t.Alert), Reason: reason,
			})
		} else {
			rec.Deadline = m.Deadline(now)
			queued = append(queued, i)
		}
		records = append(records, rec)
	}
	if len(records) == 0 {
		return result, nil
	}
	ids, err := m.store.InsertBatch(ctx, records)
	if err != nil {
		for _, undo := range reserved {
			undo()
		}
		return Result{}, fmt.Errorf("record %d capture requests: %w", len(records), err)
	}
	for _, rec := range records {
		if rec.Status == store.StatusSkipped {
			m.cfg.Observer.Finished(OutcomeSkipped, rec.Error)
		}
	}
	for _, i := range queued {
		rec := records[i]
		rec.ID = ids[i]
		result.Accepted = append(result.Accepted, Accepted{ID: rec.ID, Namespace: rec.Namespace, Pod: rec.Pod, Container: rec.Container})
		m.wg.Add(1)
		go m.run(rec.ID, reqs[i].Target, now)
	}
	return result, nil
}

// isNodeTarget reports a node alert's target: the node's kubelet, no pod.
func isNodeTarget(t alert.Target) bool { return t.Pod == "" && t.Node != "" }

// cooldownPod is the pod a target cools down as: "node/<node>" for a node (as the store
// restores it, see store.LastCaptureTimes).
func cooldownPod(t alert.Target) string {
	if isNodeTarget(t) {
		return "node/" + t.Node
	}
	return t.Pod
}

func alertName(a *alert.Alert) string {
	if a == nil {
		return ""
	}
	return a.AlertName
}

func cooldownReason(t alert.Target, nextAllowed time.Time, period time.Duration) string {
	what := t.Namespace + "/" + t.Pod
	if t.Container != "" {
		what += "/" + t.Container
	}
	return fmt.Sprintf("cooldown: %s was captured less than %s ago; next capture allowed after %s",
		what, period, nextAllowed.UTC().Format(time.RFC3339))
}

// namespacePolicy returns why a namespace may not be captured, or "".
func (m *Manager) namespacePolicy(ns string) string {
	if slices.Contains(m.cfg.DeniedNamespaces, ns) {
		return fmt.Sprintf("namespace %q is denied by the app's deniedNamespaces setting", ns)
	}
	if len(m.cfg.AllowedNamespaces) > 0 && !slices.Contains(m.cfg.AllowedNamespaces, ns) {
		return fmt.Sprintf("namespace %q is not in the app's allowedNamespaces setting", ns)
	}
	return ""
}

func (m *Manager) reserveQueue() bool {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return false
	}
	s := m.shared
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inFlight >= s.maxQueued {
		return false
	}
	s.inFlight++
	return true
}

func (m *Manager) releaseQueue() {
	s := m.shared
	s.mu.Lock()
	s.inFlight--
	s.mu.Unlock()
}

// Close stops running captures (they are recorded as failed) and waits for them, or for ctx.
func (m *Manager) Close(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	return m.wait(ctx)
}

// Drain refuses new captures and waits, without stopping them, for those in flight to end,
// or for ctx (they keep running then).
func (m *Manager) Drain(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return m.wait(ctx)
}

func (m *Manager) wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { m.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("captures still stopping: %w", ctx.Err())
	}
}

// Cluster is the name of the cluster this manager captures in.
func (m *Manager) Cluster() string { return m.cfg.Cluster }

// PeakConcurrency returns the highest number of captures seen running at once per node, by
// every manager sharing this one's limits.
func (m *Manager) PeakConcurrency() map[string]int { return m.limiter.peaks() }

// run takes one queued capture to done or failed. Nothing escapes it: a panic would restart
// the whole plugin under Grafana, so it becomes a failed capture.
func (m *Manager) run(id int64, t alert.Target, reserved time.Time) {
	defer m.wg.Done()
	defer m.releaseQueue()
	defer func() {
		if p := recover(); p != nil {
			m.log.Error("capture panicked", "id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			m.fail(id, fmt.Sprintf("internal error: %v", p), nil, nil)
		}
	}()
	if outcome, stored := m.capture(id, t, reserved); !stored {
		m.record(id, t, reserved, outcome)
	}
}

// record stores the outcome of a capture: done with its processes, or failed with the reason.
// capture calls it while the capture still holds its slot and its share of the output budget.
func (m *Manager) record(id int64, t alert.Target, reserved time.Time, o outcome) {
	if o.err != "" {
		if m.base.Err() != nil {
			// Stopped, not failed on its own: the next alert must not wait out a cooldown
			// for a capture that never completed.
			m.cooldown.release(t.Namespace, cooldownPod(t), t.Container, reserved)
		}
		m.fail(id, o.err, o.processes, o.pieces)
		return
	}
	started := time.Now()
	err := m.retryWrite(id, "store finished capture", func(ctx context.Context) error {
		return m.store.Finish(ctx, id, m.now().UTC(), o.processes, o.truncated, o.windowMs, o.pieces...)
	})
	m.cfg.Observer.Phase(PhaseStore, time.Since(started))
	if err != nil && !errors.Is(err, store.ErrInvalidTransition) && !errors.Is(err, store.ErrNotFound) {
		m.fail(id, fmt.Sprintf("store the capture: %v", err), nil, nil)
		return
	}
	if err == nil {
		observeThreadsStored(m.cfg.Observer, o.processes)
		observePiecesStored(m.cfg.Observer, o.pieces)
		m.cfg.Observer.Finished(OutcomeDone, "")
	}
}

// storeContext bounds a store write; it survives Close so the outcome of a stopped capture is kept.
func (m *Manager) storeContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(m.base), 10*time.Second)
}

// defaultWriteBackoff spaces the retries of a final write: a full or read-only volume may come
// back (space freed) within a minute or so. Past them the sweep fails the capture once the
// store is writable again.
func defaultWriteBackoff() []time.Duration {
	return []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second}
}

// retryWrite runs a final write until it succeeds, fails for a reason retrying cannot
// change (the capture is gone or already ended), or the backoff runs out.
func (m *Manager) retryWrite(id int64, what string, write func(context.Context) error) error {
	var err error
	for attempt := 0; ; attempt++ {
		ctx, cancel := m.storeContext()
		err = write(ctx)
		cancel()
		if err == nil || errors.Is(err, store.ErrInvalidTransition) || errors.Is(err, store.ErrNotFound) || attempt == len(m.backoff) {
			break
		}
		m.log.Warn(what+": retrying", "id", id, "attempt", attempt+1, "error", err)
		time.Sleep(m.backoff[attempt])
	}
	if err != nil {
		m.log.Error(what, "id", id, "error", err)
	}
	return err
}

func (m *Manager) fail(id int64, reason string, processes []jvm.Process, pieces []evidence.Piece) {
	started := time.Now()
	err := m.retryWrite(id, "record failed capture", func(ctx context.Context) error {
		return m.store.Fail(ctx, id, m.now().UTC(), reason, processes, pieces...)
	})
	m.cfg.Observer.Phase(PhaseStore, time.Since(started))
	if err == nil {
		observeThreadsStored(m.cfg.Observer, processes)
		observePiecesStored(m.cfg.Observer, pieces)
		m.cfg.Observer.Finished(OutcomeFailed, reason)
	}
}

// Budget is the output budget this manager's captures draw from.
func (m *Manager) Budget() *Budget { return m.budget }
