// Package capture runs captures: it records each request, applies the namespace policy, the
// cooldown and the per-node and global limits, execs the probe, and stores what it found.
package capture

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/store"
)

// Kube is what a capture needs of Kubernetes.
type Kube interface {
	Pod(ctx context.Context, namespace, name string) (*kube.PodInfo, error)
	kube.Executor
	kube.LogReader
}

// Store is what a capture needs of the store.
type Store interface {
	InsertBatch(ctx context.Context, cs []*store.Capture) ([]int64, error)
	MarkRunning(ctx context.Context, id int64, startedAt time.Time, container, node string) error
	SetContainer(ctx context.Context, id int64, container string) error
	Finish(ctx context.Context, id int64, finishedAt time.Time, processes []jvm.Process, truncated bool, windowMs int64) error
	Fail(ctx context.Context, id int64, finishedAt time.Time, reason string, processes []jvm.Process) error
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
}

// Request asks for one capture. A non-empty SkipReason records the request as skipped.
type Request struct {
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
	limiter  *limiter
	lookups  chan struct{} // pod lookups in flight, bounded like running captures
	cooldown *cooldown

	base   context.Context // cancelled by Close: running captures stop
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	inFlight int
	closed   bool
}

// New returns a Manager. Call Close to stop its captures.
func New(cfg Config, k Kube, s Store, log Logger) *Manager {
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = 1000
	}
	base, cancel := context.WithCancel(context.Background())
	return &Manager{
		cfg:      cfg,
		kube:     k,
		store:    s,
		log:      log,
		now:      time.Now,
		limiter:  newLimiter(cfg.PerNodeLimit, cfg.GlobalLimit),
		lookups:  make(chan struct{}, max(cfg.GlobalLimit, 1)),
		cooldown: newCooldown(cfg.Cooldown),
		base:     base,
		cancel:   cancel,
	}
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
		m.cooldown.record(k.Namespace, k.Pod, k.Container, at)
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
			Status:      store.StatusQueued,
			Trigger:     r.Trigger,
			RequestedBy: r.RequestedBy,
			Namespace:   t.Namespace,
			Pod:         t.Pod,
			Container:   t.Container,
			Node:        t.Node,
			CreatedAt:   now,
			Alert:       t.Alert,
		}
		reason, next := r.SkipReason, time.Time{}
		if reason == "" {
			reason = m.namespacePolicy(t.Namespace)
		}
		if reason == "" {
			if ok, nextAllowed := m.cooldown.reserve(t.Namespace, t.Pod, t.Container, now); !ok {
				reason, next = cooldownReason(t, nextAllowed, m.cfg.Cooldown), nextAllowed
			} else if !m.reserveQueue() {
				m.cooldown.release(t.Namespace, t.Pod, t.Container, now)
				reason = fmt.Sprintf("capture queue full: %d captures are queued or running (per-node limit %d, global limit %d)",
					m.cfg.MaxQueued, m.cfg.PerNodeLimit, m.cfg.GlobalLimit)
			} else {
				reserved = append(reserved, func() {
					m.cooldown.release(t.Namespace, t.Pod, t.Container, now)
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
	for _, i := range queued {
		rec := records[i]
		rec.ID = ids[i]
		result.Accepted = append(result.Accepted, Accepted{ID: rec.ID, Namespace: rec.Namespace, Pod: rec.Pod, Container: rec.Container})
		m.wg.Add(1)
		go m.run(rec.ID, reqs[i].Target)
	}
	return result, nil
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
	defer m.mu.Unlock()
	if m.closed || m.inFlight >= m.cfg.MaxQueued {
		return false
	}
	m.inFlight++
	return true
}

func (m *Manager) releaseQueue() {
	m.mu.Lock()
	m.inFlight--
	m.mu.Unlock()
}

// Close stops running captures (they are recorded as failed) and waits for them, or for ctx.
func (m *Manager) Close(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	done := make(chan struct{})
	go func() { m.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("captures still stopping: %w", ctx.Err())
	}
}

// PeakConcurrency returns the highest number of captures seen running at once per node.
func (m *Manager) PeakConcurrency() map[string]int { return m.limiter.peaks() }

// run takes one queued capture to done or failed. Nothing escapes it: a panic would restart
// the whole plugin under Grafana, so it becomes a failed capture.
func (m *Manager) run(id int64, t alert.Target) {
	defer m.wg.Done()
	defer m.releaseQueue()
	defer func() {
		if p := recover(); p != nil {
			m.log.Error("capture panicked", "id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			m.fail(id, fmt.Sprintf("internal error: %v", p), nil)
		}
	}()
	outcome := m.capture(id, t)
	if outcome.err != "" {
		m.fail(id, outcome.err, outcome.processes)
		return
	}
	ctx, cancel := m.storeContext()
	defer cancel()
	if err := m.store.Finish(ctx, id, m.now().UTC(), outcome.processes, outcome.truncated, outcome.windowMs); err != nil {
		m.log.Error("store finished capture", "id", id, "error", err)
		m.fail(id, fmt.Sprintf("store the capture: %v", err), nil)
	}
}

// storeContext bounds a store write; it survives Close so the outcome of a stopped capture is kept.
func (m *Manager) storeContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(m.base), 10*time.Second)
}

func (m *Manager) fail(id int64, reason string, processes []jvm.Process) {
	ctx, cancel := m.storeContext()
	defer cancel()
	if err := m.store.Fail(ctx, id, m.now().UTC(), reason, processes); err != nil {
		m.log.Error("record failed capture", "id", id, "reason", reason, "error", err)
	}
}
