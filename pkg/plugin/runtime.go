package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/app"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/seed/stackcapture/pkg/capture"
	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvmheap"
	"github.com/seed/stackcapture/pkg/metrics"
	"github.com/seed/stackcapture/pkg/podstory"
	"github.com/seed/stackcapture/pkg/pprof"
	"github.com/seed/stackcapture/pkg/store"
)

// Apps is the plugin process: the server configuration, the one database, and per cluster the
// Kubernetes client, limits, cooldown and capture managers. Grafana builds an app instance per
// org and rebuilds it whenever that org's settings are saved; instances are thin views on
// this, so disposing of one neither stops captures in flight nor closes the database, and a
// request still reaching an old instance works.
type Apps struct {
	deps Deps

	once sync.Once
	rt   *runtime
}

// NewApps returns the process's apps; the runtime is built with the first instance.
func NewApps(deps Deps) *Apps {
	return &Apps{deps: deps}
}

// NewAppFactory returns the instance factory for app.Manage.
func NewAppFactory(deps Deps) app.InstanceFactoryFunc {
	return NewApps(deps).Factory()
}

// Factory returns the instance factory for app.Manage.
func (a *Apps) Factory() app.InstanceFactoryFunc {
	return func(ctx context.Context, settings backend.AppInstanceSettings) (instancemgmt.Instance, error) {
		return newApp(ctx, settings, a.runtime(ctx), a.deps.Logger), nil
	}
}

func (a *Apps) runtime(ctx context.Context) *runtime {
	a.once.Do(func() { a.rt = newRuntime(ctx, a.deps) })
	return a.rt
}

// Close lets captures in flight finish (until ctx is done), stops the background work and
// closes the database. For the end of the process and for tests.
func (a *Apps) Close(ctx context.Context) error {
	a.once.Do(func() {}) // never build a runtime only to close it
	if a.rt == nil {
		return nil
	}
	return a.rt.close(ctx)
}

// runtime is built once per process (see Apps).
type runtime struct {
	log   log.Logger
	owner string // this process, recorded on every capture it runs
	// broken is why no org can capture (server configuration invalid, database not openable).
	broken error
	cfg    ServerConfig
	store  *store.Store
	// clusters by name; each holds its client and the limits shared by its managers.
	clusters map[string]*cluster
	// budget bounds the capture output held at once by every manager of the process.
	budget *capture.Budget
	// metrics counts and times captures, on the registry the SDK serves (nil: not counted).
	metrics capture.Observer

	mu        sync.Mutex
	managers  map[managerKey]*capture.Manager
	retention map[int64]orgRetention // org → its retention, from its newest settings

	stop context.CancelFunc
	done chan struct{}
}

// orgRetention is an org's retention and when the settings holding it were saved.
type orgRetention struct {
	maxAge time.Duration
	saved  time.Time
}

type cluster struct {
	cfg     ClusterConfig
	kube    KubeClient
	kubeErr error
	shared  *capture.Shared
}

// managerKey is what a manager's behaviour depends on besides its cluster: orgs with the
// same capture settings share one.
type managerKey struct {
	cluster        string
	sampleWindow   time.Duration
	topThreads     int
	cooldown       time.Duration
	captureTimeout time.Duration
	maxOutputBytes int64
}

func newRuntime(ctx context.Context, deps Deps) *runtime {
	rt := &runtime{
		log:       deps.Logger,
		owner:     processOwner(),
		clusters:  map[string]*cluster{},
		managers:  map[managerKey]*capture.Manager{},
		retention: map[int64]orgRetention{},
		done:      make(chan struct{}),
	}
	environ := deps.Environ
	if environ == nil {
		environ = os.Environ
	}
	cfg, err := ParseServerConfig(environ(), deps.DataDir)
	if err != nil {
		rt.broken = fmt.Errorf("invalid server configuration ([plugin.%s] in grafana.ini, or GF_PLUGIN_* variables): %w", PluginID, err)
		close(rt.done)
		return rt
	}
	rt.cfg = cfg
	rt.budget = capture.NewBudget(cfg.OutputBudgetBytes)

	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := store.Open(openCtx, canonicalPath(cfg.DatabasePath), store.Options{})
	if err != nil {
		rt.broken = fmt.Errorf("open the capture database %s: %w", cfg.DatabasePath, err)
		close(rt.done)
		return rt
	}
	rt.store = st
	reg := deps.Registerer
	if reg == nil {
		reg = prometheus.DefaultRegisterer // what the SDK's CollectMetrics gathers
	}
	if mt, err := metrics.New(reg, st.UsedBytes); err != nil {
		rt.log.Warn("captures are not counted in the plugin's metrics", "error", err)
	} else {
		rt.metrics = mt
	}
	// Once per process, and only for captures whose process is gone: another live process on
	// the same file (whatever path it opened it by) keeps its captures.
	if n, err := st.RecoverOrphans(openCtx, time.Now(), ownerAlive); err != nil {
		rt.log.Error("fail captures interrupted by a restart", "error", err)
	} else if n > 0 {
		rt.log.Warn("captures interrupted by a restart marked failed", "count", n)
	}

	for _, cc := range cfg.Clusters {
		cl := &cluster{cfg: cc, shared: capture.NewShared(cfg.PerNodeLimit, cfg.GlobalLimit, 0)}
		cl.kube, cl.kubeErr = deps.NewKube(cc, cfg)
		if cl.kubeErr != nil {
			rt.log.Error("Kubernetes client", "cluster", cc.Name, "error", cl.kubeErr)
		}
		rt.clusters[cc.Name] = cl
	}

	bg, stop := context.WithCancel(context.Background())
	rt.stop = stop
	go rt.maintain(bg, deps.RetentionInterval, deps.SweepInterval)
	return rt
}

// maintain prunes each org's old captures by its own retention, keeps the database under
// max_database_bytes, and sweeps captures overdue because their final write was lost.
func (rt *runtime) maintain(ctx context.Context, retentionEvery, sweepEvery time.Duration) {
	defer close(rt.done)
	if retentionEvery <= 0 {
		retentionEvery = 10 * time.Minute
	}
	if sweepEvery <= 0 {
		sweepEvery = time.Minute
	}
	prune := time.NewTicker(retentionEvery)
	defer prune.Stop()
	sweep := time.NewTicker(sweepEvery)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-prune.C:
			rt.prune(ctx)
		case <-sweep.C:
			rt.sweep(ctx)
		}
	}
}

func (rt *runtime) prune(ctx context.Context) {
	rt.mu.Lock()
	orgs := make(map[int64]time.Duration, len(rt.retention))
	for org, r := range rt.retention {
		orgs[org] = r.maxAge
	}
	rt.mu.Unlock()
	now := time.Now()
	for org, d := range orgs {
		if _, err := rt.store.PruneOrg(ctx, org, now, d); err != nil && ctx.Err() == nil {
			rt.log.Error("capture retention", "org", org, "error", err)
		}
	}
	if _, err := rt.store.Prune(ctx, now, 0, rt.cfg.MaxDatabaseBytes); err != nil && ctx.Err() == nil {
		rt.log.Error("capture retention by size", "error", err)
	}
}

func (rt *runtime) sweep(ctx context.Context) {
	n, err := rt.store.Sweep(ctx, time.Now())
	switch {
	case err != nil && ctx.Err() == nil:
		rt.log.Error("sweep overdue captures", "error", err)
	case n > 0:
		rt.log.Warn("overdue captures marked failed", "count", n)
	}
}

// orgSettings records an org's settings saved at saved: the newest retention applies from now
// on (a request still reaching an instance of older settings does not bring theirs back).
func (rt *runtime) orgSettings(org int64, s Settings, saved time.Time) {
	if org < 1 || rt.store == nil {
		return
	}
	rt.mu.Lock()
	old, known := rt.retention[org]
	if known && saved.Before(old.saved) {
		rt.mu.Unlock()
		return
	}
	rt.retention[org] = orgRetention{maxAge: s.Retention, saved: saved}
	rt.mu.Unlock()
	if !known || old.maxAge != s.Retention {
		// Prune at once so a shortened retention shows without waiting for the ticker.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := rt.store.PruneOrg(ctx, org, time.Now(), s.Retention); err != nil {
			rt.log.Error("capture retention", "org", org, "error", err)
		}
	}
}

// manager returns the manager for captures on cl with s's capture settings, building it the
// first time. Managers live as long as the process: a capture outlives the instance (and the
// settings) that started it.
func (rt *runtime) manager(ctx context.Context, cl *cluster, s Settings) *capture.Manager {
	key := managerKey{cl.cfg.Name, s.SampleWindow, s.TopThreads, max(s.Cooldown, rt.cfg.MinCooldown), s.CaptureTimeout, s.MaxOutputBytes}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if m := rt.managers[key]; m != nil {
		return m
	}
	var k capture.Kube = cl.kube
	if cl.kubeErr != nil {
		// Captures still get recorded, each failing with this reason, so the cause is visible
		// where people look for captures and not only in Grafana's server log.
		k = unavailableKube{err: cl.kubeErr}
	}
	rooms, err := evidenceRooms(rt.cfg)
	if err != nil {
		// Captures still take the JVM threads; the log says which evidence is missing.
		rt.log.Error("evidence rooms", "error", err)
	}
	m := capture.New(capture.Config{
		SampleWindow:   key.sampleWindow,
		TopThreads:     key.topThreads,
		Cooldown:       key.cooldown,
		CaptureTimeout: key.captureTimeout,
		MaxOutputBytes: key.maxOutputBytes,
		Cluster:        cl.cfg.Name,
		Owner:          rt.owner,
		Shared:         cl.shared,
		Budget:         rt.budget,
		Observer:       rt.metrics,
		Rooms:          rooms,
	}, k, rt.store, rt.log)
	restoreCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := m.RestoreCooldown(restoreCtx); err != nil {
		rt.log.Warn("cooldown starts empty", "cluster", cl.cfg.Name, "error", err)
	}
	rt.managers[key] = m
	return m
}

// evidenceRooms is the one list of the rooms every capture may run besides the JVM probe
// (see pkg/evidence): a new kind of evidence is registered here and nowhere else.
func evidenceRooms(cfg ServerConfig) ([]evidence.Room, error) {
	heap, err := jvmheap.NewRoom(jvmheap.RoomOptions{Mode: cfg.HeapHistogram, MaxHistogramHeap: cfg.HeapHistogramMaxBytes})
	if err != nil {
		return nil, fmt.Errorf("JVM heap evidence: %w", err)
	}
	return []evidence.Room{
		pprof.NewRoom(pprof.RoomOptions{Kubelet: cfg.AllowKubeletPprof}),
		heap,
		podstory.NewRoom(podstory.Options{}),
	}, nil
}

func (rt *runtime) close(ctx context.Context) error {
	rt.mu.Lock()
	managers := make([]*capture.Manager, 0, len(rt.managers))
	for _, m := range rt.managers {
		managers = append(managers, m)
	}
	rt.mu.Unlock()
	var errs []error
	for _, m := range managers {
		if err := m.Drain(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if rt.stop != nil {
		rt.stop()
	}
	<-rt.done
	if rt.store != nil {
		errs = append(errs, rt.store.Close())
	}
	return errors.Join(errs...)
}

// canonicalPath resolves symlinks and "." so one file has one name in logs and checks.
func canonicalPath(p string) string {
	dir, file := filepath.Split(filepath.Clean(p))
	if resolved, err := filepath.EvalSymlinks(dir); err == nil {
		return filepath.Join(resolved, file)
	}
	return filepath.Clean(p)
}

// processOwner names this process: host, pid and the pid's start time, so a reused pid is
// not mistaken for this one.
func processOwner() string {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return fmt.Sprintf("%s/%d/%s", host, pid, procStart(pid))
}

// procStart is a process's start time in clock ticks since boot (field 22 of
// /proc/<pid>/stat), or "" when it cannot be read.
func procStart(pid int) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name (field 2) may hold spaces and parentheses: count from the last ')'.
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 20 {
		return ""
	}
	return fields[19] // field 22 overall: fields after ')' start at field 3
}

// ownerAlive says whether the process an owner names still runs. Another host's process is
// taken as gone: SQLite's WAL mode cannot share a file between hosts, so a capture written
// by another host's plugin is a leftover of a previous pod.
func ownerAlive(owner string) bool {
	parts := strings.Split(owner, "/")
	if len(parts) != 3 {
		return false
	}
	host, _ := os.Hostname()
	if parts[0] != host {
		return false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 {
		return false
	}
	start := procStart(pid)
	return start != "" && start == parts[2]
}
