package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/store"
)

// These tests drive the whole capture path: client-go's real executor against an in-process
// API server that serves exec with Kubernetes' own streaming code and runs the probe on this
// machine, real JVMs, and a real SQLite file.

// finishGuard bounds how long a test waits for a capture: a failure guard, not a performance bound.
const finishGuard = 2 * time.Minute

func testConfig() Config {
	return Config{
		SampleWindow:     700 * time.Millisecond,
		TopThreads:       10,
		Cooldown:         10 * time.Minute,
		PerNodeLimit:     2,
		GlobalLimit:      4,
		CaptureTimeout:   60 * time.Second,
		MaxOutputBytes:   16 << 20,
		DeniedNamespaces: []string{"kube-system"},
	}
}

type harness struct {
	srv   *kubetest.Server
	store *store.Store
	m     *Manager
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	srv := kubetest.NewServer(t)
	k, err := kube.NewForConfig(srv.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "captures.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := New(cfg, k, st, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			t.Errorf("close manager: %v", err)
		}
		st.Close()
	})
	return &harness{srv: srv, store: st, m: m}
}

// containerEnv is the environment of a container whose only process of interest is pid.
// STACKCAPTURE_PIDS keeps the probe, which runs on this machine, away from other JVMs here.
func containerEnv(path string, pid int) []string {
	return []string{"PATH=" + path, "STACKCAPTURE_PIDS=" + strconv.Itoa(pid)}
}

func (h *harness) submit(t *testing.T, targets ...alert.Target) Result {
	t.Helper()
	reqs := make([]Request, len(targets))
	for i, tg := range targets {
		reqs[i] = Request{Target: tg, Trigger: store.TriggerAlert, RequestedBy: "sa-webhook"}
	}
	res, err := h.m.Submit(context.Background(), reqs)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return res
}

// wait polls the store until capture id leaves queued and running.
func (h *harness) wait(t *testing.T, id int64) *store.Capture {
	t.Helper()
	deadline := time.Now().Add(finishGuard)
	for {
		c, err := h.store.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("Get %d: %v", id, err)
		}
		if c.Status != store.StatusQueued && c.Status != store.StatusRunning {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("capture %d still %s after %s", id, c.Status, finishGuard)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (h *harness) captureOne(t *testing.T, tg alert.Target) *store.Capture {
	t.Helper()
	res := h.submit(t, tg)
	if len(res.Accepted) != 1 {
		t.Fatalf("accepted %+v skipped %+v, want one accepted", res.Accepted, res.Skipped)
	}
	return h.wait(t, res.Accepted[0].ID)
}

func assertHotThreadFirst(t *testing.T, c *store.Capture, source jvm.DumpSource) {
	t.Helper()
	if c.Status != store.StatusDone {
		t.Fatalf("status %s (%s), want done", c.Status, c.Error)
	}
	if len(c.Processes) != 1 {
		t.Fatalf("%d processes, want 1", len(c.Processes))
	}
	p := c.Processes[0]
	if p.DumpSource != source {
		t.Errorf("dump source %q, want %q (process error %q)", p.DumpSource, source, p.Error)
	}
	if len(p.Threads) == 0 {
		t.Fatalf("no threads (process error %q)", p.Error)
	}
	top := p.Threads[0]
	// How much CPU the spinner gets depends on what else this 2-core machine runs; that it
	// gets measurably more than any other thread of its JVM does not.
	var nextMs int64
	if len(p.Threads) > 1 {
		nextMs = p.Threads[1].CPUMs
	}
	if top.Name != jvmtest.HotThread {
		for _, th := range p.Threads {
			if th.Name == jvmtest.HotThread {
				jvmtest.CheckSpinnerMeasurable(t, th.CPUMs, top.CPUMs, p.WindowMs)
			}
		}
		t.Fatalf("busiest thread %q (%.1f%%), want %s; threads: %v", top.Name, top.CPUPercent, jvmtest.HotThread, names(p.Threads))
	}
	jvmtest.CheckSpinnerMeasurable(t, top.CPUMs, nextMs, p.WindowMs)
	if len(p.Threads) > 1 && p.Threads[1].CPUMs > top.CPUMs {
		t.Errorf("ranking: second thread %d ms > first %d ms", p.Threads[1].CPUMs, top.CPUMs)
	}
	found := false
	for _, f := range top.Frames {
		found = found || f.Method == jvmtest.HotMethod
	}
	if !found {
		t.Errorf("hot thread's stack %v does not contain %s", top.Frames, jvmtest.HotMethod)
	}
	if c.TopThread == nil || c.TopThread.Name != jvmtest.HotThread {
		t.Errorf("capture's top thread %+v", c.TopThread)
	}
	if c.WindowMs < 500 || c.StartedAt.IsZero() || c.FinishedAt.Before(c.StartedAt) {
		t.Errorf("window %d ms, started %v, finished %v", c.WindowMs, c.StartedAt, c.FinishedAt)
	}
}

func names(ts []jvm.Thread) []string {
	out := make([]string, len(ts))
	for i, th := range ts {
		out[i] = fmt.Sprintf("%s=%.1f%%", th.Name, th.CPUPercent)
	}
	return out
}

func TestCaptureRanksTheSpinningThreadFirst(t *testing.T) {
	classes := jvmtest.Compile(t)
	for _, home := range []string{jvmtest.JDK17Home, jvmtest.JDK25Home} {
		t.Run(filepath.Base(home), func(t *testing.T) {
			cfg := testConfig()
			cfg.SampleWindow = jvmtest.RankingWindow
			h := newHarness(t, cfg)
			j := jvmtest.Start(t, filepath.Join(home, "bin", "java"), classes)
			h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "checkout-0", Node: "worker-1",
				Containers: []kubetest.ContainerSpec{{Name: "app", Env: containerEnv(filepath.Join(home, "bin")+":/usr/bin:/bin", j.PID)}}})
			c := h.captureOne(t, alert.Target{Namespace: "shop", Pod: "checkout-0", Container: "app"})
			assertHotThreadFirst(t, c, jvm.SourceAttach)
			if c.Node != "worker-1" {
				t.Errorf("node %q, want the pod's spec.nodeName worker-1", c.Node)
			}
			raw, err := h.store.RawDumps(context.Background(), c.ID)
			if err != nil || len(raw) != 1 || !strings.Contains(raw[0].Text, `"`+jvmtest.HotThread+`"`) {
				t.Errorf("raw dumps: %d, err %v", len(raw), err)
			}
		})
	}
}

func TestCaptureWholePodFindsTheJVMContainer(t *testing.T) {
	h := newHarness(t, testConfig())
	j := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), jvmtest.Compile(t))
	sleeper := startSleep(t)
	h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "web-0", Node: "worker-2", Containers: []kubetest.ContainerSpec{
		{Name: "proxy", Env: containerEnv("/usr/bin:/bin", sleeper)},
		{Name: "app", Env: containerEnv("/usr/bin:/bin", j.PID)},
	}})
	c := h.captureOne(t, alert.Target{Namespace: "shop", Pod: "web-0"})
	assertHotThreadFirst(t, c, jvm.SourceAttach)
	if c.Container != "app" || c.Processes[0].Container != "app" {
		t.Errorf("container %q / process container %q, want app", c.Container, c.Processes[0].Container)
	}
	// The resolved container is now in cooldown too.
	res := h.submit(t, alert.Target{Namespace: "shop", Pod: "web-0", Container: "app"})
	if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "cooldown") {
		t.Errorf("repeat on the resolved container: %+v", res)
	}
}

func TestCaptureSigquitFallbackReadsTheLog(t *testing.T) {
	h := newHarness(t, testConfig())
	java := jvmtest.JREOnly(t, jvmtest.JDK17Home)
	j := jvmtest.Start(t, java, jvmtest.Compile(t))
	// A JRE-only image: no jcmd or jstack next to java nor on PATH.
	h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "jre-0", Node: "worker-1", Containers: []kubetest.ContainerSpec{
		{Name: "app", Env: containerEnv(jvmtest.ToolPath(t, "sh", "sleep", "date", "cat"), j.PID), LogFile: j.Stdout},
	}})
	c := h.captureOne(t, alert.Target{Namespace: "shop", Pod: "jre-0", Container: "app"})
	assertHotThreadFirst(t, c, jvm.SourceSigquit)
}

// startSleep starts a process that is not a JVM, for containers without one.
func startSleep(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd.Process.Pid
}

func TestCaptureFailuresAreRecordedWithReasons(t *testing.T) {
	sleeper := startSleep(t)
	tests := []struct {
		name       string
		cfg        func(*Config)
		setup      func(t *testing.T, srv *kubetest.Server)
		target     alert.Target
		wantReason string
	}{
		{
			name: "no JVM",
			setup: func(t *testing.T, srv *kubetest.Server) {
				srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c", Env: containerEnv("/usr/bin:/bin", sleeper)}}})
			},
			target:     alert.Target{Namespace: "shop", Pod: "p", Container: "c"},
			wantReason: `no JVM found in container "c"`,
		},
		{
			name: "no shell",
			setup: func(t *testing.T, srv *kubetest.Server) {
				srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c", Env: containerEnv(t.TempDir(), sleeper)}}})
			},
			target:     alert.Target{Namespace: "shop", Pod: "p", Container: "c"},
			wantReason: "the container has no /bin/sh",
		},
		{
			name: "exec forbidden",
			setup: func(t *testing.T, srv *kubetest.Server) {
				srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c", Env: containerEnv("/usr/bin:/bin", sleeper)}}})
				srv.Deny("create", "pods", "exec")
			},
			target:     alert.Target{Namespace: "shop", Pod: "p", Container: "c"},
			wantReason: `forbidden: cannot create pods/exec in namespace "shop" (RBAC: grant "create" on "pods/exec")`,
		},
		{
			name: "pod lookup forbidden",
			setup: func(t *testing.T, srv *kubetest.Server) {
				srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c"}}})
				srv.Deny("get", "pods", "")
			},
			target:     alert.Target{Namespace: "shop", Pod: "p", Container: "c"},
			wantReason: `cannot get pods in namespace "shop"`,
		},
		{
			name:       "pod not found",
			setup:      func(t *testing.T, srv *kubetest.Server) {},
			target:     alert.Target{Namespace: "shop", Pod: "gone-0", Container: "c"},
			wantReason: "pod shop/gone-0 not found",
		},
		{
			name: "container not found",
			setup: func(t *testing.T, srv *kubetest.Server) {
				srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c"}}})
			},
			target:     alert.Target{Namespace: "shop", Pod: "p", Container: "nope"},
			wantReason: "container not found",
		},
		{
			name: "timeout",
			cfg:  func(c *Config) { c.CaptureTimeout, c.SampleWindow = 1500*time.Millisecond, 100*time.Millisecond },
			setup: func(t *testing.T, srv *kubetest.Server) {
				srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c", Env: containerEnv("/usr/bin:/bin", sleeper)}}})
				srv.OnExec(func(ctx context.Context, _ kubetest.ExecEvent) error {
					<-ctx.Done() // a runtime that never starts the command
					return ctx.Err()
				})
			},
			target:     alert.Target{Namespace: "shop", Pod: "p", Container: "c"},
			wantReason: "capture timed out after 1.5s (captureTimeout)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			h := newHarness(t, cfg)
			tt.setup(t, h.srv)
			c := h.captureOne(t, tt.target)
			if c.Status != store.StatusFailed {
				t.Fatalf("status %s, want failed (error %q)", c.Status, c.Error)
			}
			if !strings.Contains(c.Error, tt.wantReason) {
				t.Errorf("reason %q does not contain %q", c.Error, tt.wantReason)
			}
			if c.FinishedAt.IsZero() {
				t.Errorf("failed capture has no finish time")
			}
		})
	}
}

func TestSubmitSkipsWithReasons(t *testing.T) {
	cfg := testConfig()
	cfg.AllowedNamespaces = []string{"shop", "kube-system"}
	h := newHarness(t, cfg)
	h.srv.OnExec(func(ctx context.Context, _ kubetest.ExecEvent) error { return fmt.Errorf("no exec expected here") })
	before := time.Now()
	res := h.submit(t,
		alert.Target{Namespace: "kube-system", Pod: "dns-0", Container: "c"},
		alert.Target{Namespace: "other", Pod: "p", Container: "c"},
		alert.Target{Namespace: "shop", Pod: "p", Container: "c"},
	)
	if len(res.Accepted) != 1 || len(res.Skipped) != 2 {
		t.Fatalf("accepted %+v skipped %+v", res.Accepted, res.Skipped)
	}
	if !strings.Contains(res.Skipped[0].Reason, `namespace "kube-system" is denied`) ||
		!strings.Contains(res.Skipped[1].Reason, `namespace "other" is not in the app's allowedNamespaces`) {
		t.Errorf("reasons: %q / %q", res.Skipped[0].Reason, res.Skipped[1].Reason)
	}
	// A repeat within the cooldown is recorded as skipped with the next allowed time.
	again := h.submit(t, alert.Target{Namespace: "shop", Pod: "p", Container: "c"})
	if len(again.Accepted) != 0 || len(again.Skipped) != 1 || !strings.Contains(again.Skipped[0].Reason, "cooldown") {
		t.Fatalf("repeat: %+v", again)
	}
	page, err := h.store.List(context.Background(), store.Filter{Status: store.StatusSkipped})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Captures) != 3 {
		t.Fatalf("%d skipped captures stored, want 3", len(page.Captures))
	}
	cool := page.Captures[0] // newest first: the cooldown repeat
	wantNext := before.Add(cfg.Cooldown)
	if !strings.Contains(cool.Error, "cooldown") || cool.NextAllowedAt.Before(wantNext.Add(-time.Second)) || cool.NextAllowedAt.After(time.Now().Add(cfg.Cooldown)) {
		t.Errorf("cooldown record: error %q next allowed %v, want about %v", cool.Error, cool.NextAllowedAt, wantNext)
	}
}

// TestAlertStormRespectsTheNodeLimit fires hundreds of alerts from concurrent webhooks over a
// few nodes and observes, at the API server, how many execs run at once on each node.
func TestAlertStormRespectsTheNodeLimit(t *testing.T) {
	const (
		nodes       = 4
		podsPerNode = 60
		webhooks    = 8
	)
	cfg := testConfig()
	cfg.PerNodeLimit, cfg.GlobalLimit, cfg.Cooldown = 3, 8, 0
	cfg.SampleWindow = 100 * time.Millisecond
	h := newHarness(t, cfg)
	sleeper := startSleep(t)

	nodeOf := map[string]string{}
	var targets []alert.Target
	for n := range nodes {
		for p := range podsPerNode {
			pod := fmt.Sprintf("pod-%d-%d", n, p)
			node := fmt.Sprintf("node-%d", n)
			nodeOf[pod] = node
			h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: pod, Node: node,
				Containers: []kubetest.ContainerSpec{{Name: "c", Env: containerEnv("/usr/bin:/bin", sleeper)}}})
			targets = append(targets, alert.Target{Namespace: "shop", Pod: pod, Container: "c"})
		}
	}
	var (
		mu               sync.Mutex
		running          = map[string]int{}
		peakNode         = map[string]int{}
		total, peakTotal int
	)
	h.srv.OnExec(func(ctx context.Context, ev kubetest.ExecEvent) error {
		node := nodeOf[ev.Pod]
		mu.Lock()
		running[node]++
		total++
		peakNode[node] = max(peakNode[node], running[node])
		peakTotal = max(peakTotal, total)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // hold the exec so that others pile up behind it
		mu.Lock()
		running[node]--
		total--
		mu.Unlock()
		return nil
	})

	var (
		wg  sync.WaitGroup
		ids = make(chan int64, len(targets))
	)
	for w := range webhooks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var batch []Request
			for i := w; i < len(targets); i += webhooks {
				batch = append(batch, Request{Target: targets[i], Trigger: store.TriggerAlert})
			}
			res, err := h.m.Submit(context.Background(), batch)
			if err != nil {
				t.Errorf("Submit: %v", err)
				return
			}
			for _, a := range res.Accepted {
				ids <- a.ID
			}
		}()
	}
	wg.Wait()
	close(ids)
	n := 0
	for id := range ids {
		c := h.wait(t, id)
		if c.Status != store.StatusFailed || !strings.Contains(c.Error, "no JVM found") {
			t.Errorf("capture %d: %s %q, want failed for no JVM", id, c.Status, c.Error)
		}
		n++
	}
	if n != len(targets) {
		t.Fatalf("%d captures accepted, want %d", n, len(targets))
	}
	for node, p := range peakNode {
		if p > cfg.PerNodeLimit {
			t.Errorf("node %s: %d execs at once, per-node limit %d", node, p, cfg.PerNodeLimit)
		}
	}
	if peakTotal > cfg.GlobalLimit {
		t.Errorf("%d execs at once overall, global limit %d", peakTotal, cfg.GlobalLimit)
	}
	if peakTotal < 2 {
		t.Errorf("peak %d: captures did not run in parallel, the test proves nothing", peakTotal)
	}
	for node, p := range h.m.PeakConcurrency() {
		if p > cfg.PerNodeLimit {
			t.Errorf("manager's own peak for %s: %d", node, p)
		}
	}
}

func TestQueueFullIsSkipped(t *testing.T) {
	cfg := testConfig()
	cfg.MaxQueued, cfg.Cooldown = 2, 0
	h := newHarness(t, cfg)
	release := make(chan struct{})
	h.srv.OnExec(func(ctx context.Context, _ kubetest.ExecEvent) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	sleeper := startSleep(t)
	var targets []alert.Target
	for i := range 3 {
		name := fmt.Sprintf("p-%d", i)
		h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: name, Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c", Env: containerEnv("/usr/bin:/bin", sleeper)}}})
		targets = append(targets, alert.Target{Namespace: "shop", Pod: name, Container: "c"})
	}
	res := h.submit(t, targets...)
	close(release)
	if len(res.Accepted) != 2 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "capture queue full") {
		t.Fatalf("accepted %d skipped %+v", len(res.Accepted), res.Skipped)
	}
	for _, a := range res.Accepted {
		h.wait(t, a.ID)
	}
	// Slots come back: the next request is accepted.
	if again := h.submit(t, targets[2]); len(again.Accepted) != 1 {
		t.Errorf("after the queue drained: %+v", again)
	}
}

func TestCloseFailsRunningCaptures(t *testing.T) {
	cfg := testConfig()
	h := newHarness(t, cfg)
	started := make(chan struct{}, 1)
	h.srv.OnExec(func(ctx context.Context, _ kubetest.ExecEvent) error {
		started <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	})
	h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c"}}})
	res := h.submit(t, alert.Target{Namespace: "shop", Pod: "p", Container: "c"})
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	c := h.wait(t, res.Accepted[0].ID)
	if c.Status != store.StatusFailed || !strings.Contains(c.Error, "plugin stopped") {
		t.Errorf("status %s %q, want failed because the plugin stopped", c.Status, c.Error)
	}
	if after := h.submit(t, alert.Target{Namespace: "shop", Pod: "q", Container: "c"}); len(after.Accepted) != 0 {
		t.Errorf("a closed manager accepted %+v", after.Accepted)
	}
}

// A capture stopped before it ran (the plugin stopping) does not hold the cooldown: the next
// manager of the cluster, sharing its limits, accepts the same container at once.
func TestStoppedCaptureDoesNotHoldTheCooldown(t *testing.T) {
	cfg := testConfig()
	cfg.Shared = NewShared(cfg.PerNodeLimit, cfg.GlobalLimit, 0)
	h := newHarness(t, cfg)
	started := make(chan struct{}, 1)
	h.srv.OnExec(func(ctx context.Context, _ kubetest.ExecEvent) error {
		started <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	})
	h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c"}}})
	target := alert.Target{Namespace: "shop", Pod: "p", Container: "c"}
	res := h.submit(t, target)
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if c := h.wait(t, res.Accepted[0].ID); c.Status != store.StatusFailed {
		t.Fatalf("stopped capture: %s", c.Status)
	}
	k, err := kube.NewForConfig(h.srv.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	next := New(cfg, k, h.store, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := next.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	h.srv.OnExec(nil)
	if err := next.RestoreCooldown(ctx); err != nil { // as a restarted process does
		t.Fatal(err)
	}
	again, err := next.Submit(context.Background(), []Request{{Target: target, Trigger: store.TriggerManual}})
	if err != nil || len(again.Accepted) != 1 {
		t.Errorf("the same container after a stopped capture: %+v %v, want accepted", again, err)
	}
}

// Cooldowns are per cluster, after a restart too: a capture of shop/p/c in cluster east holds
// the cooldown of east's shop/p/c, not of a container of the same names in cluster west.
func TestRestoredCooldownIsPerCluster(t *testing.T) {
	target := alert.Target{Namespace: "shop", Pod: "p", Container: "c"}
	for _, tc := range []struct {
		cluster  string
		inCooled bool
	}{{"east", true}, {"west", false}} {
		t.Run(tc.cluster, func(t *testing.T) {
			cfg := testConfig()
			cfg.Cluster = tc.cluster
			h := newHarness(t, cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := h.store.Insert(ctx, &store.Capture{OrgID: 1, Cluster: "east", Status: store.StatusQueued, Trigger: store.TriggerAlert,
				Namespace: target.Namespace, Pod: target.Pod, Container: target.Container, CreatedAt: time.Now().UTC().Add(-time.Minute)}); err != nil {
				t.Fatal(err)
			}
			if err := h.m.RestoreCooldown(ctx); err != nil { // as a restarted process does
				t.Fatal(err)
			}
			res := h.submit(t, target)
			cooled := len(res.Skipped) == 1 && strings.HasPrefix(res.Skipped[0].Reason, "cooldown:")
			if cooled != tc.inCooled || len(res.Accepted)+len(res.Skipped) != 1 {
				t.Errorf("cluster %s after east's capture: %+v, want in cooldown %v", tc.cluster, res, tc.inCooled)
			}
		})
	}
}

// failingStore fails the final writes of captures a number of times, as a full volume does,
// before letting them through to the real store.
type failingStore struct {
	*store.Store
	mu       sync.Mutex
	failures int
	attempts int
}

func (f *failingStore) fail() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts++
	if f.failures > 0 {
		f.failures--
		return errors.New("database or disk is full (SQLITE_FULL)")
	}
	return nil
}

func (f *failingStore) Finish(ctx context.Context, id int64, at time.Time, ps []jvm.Process, truncated bool, windowMs int64, pieces ...evidence.Piece) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.Finish(ctx, id, at, ps, truncated, windowMs, pieces...)
}

func (f *failingStore) Fail(ctx context.Context, id int64, at time.Time, reason string, ps []jvm.Process, pieces ...evidence.Piece) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.Fail(ctx, id, at, reason, ps, pieces...)
}

// A final write that fails is retried until it gets through: the capture does not stay running.
func TestFinalWriteIsRetried(t *testing.T) {
	h := newHarness(t, testConfig())
	fs := &failingStore{Store: h.store, failures: 3}
	k, err := kube.NewForConfig(h.srv.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	m := New(testConfig(), k, fs, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	m.backoff = []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond}
	t.Cleanup(func() {
		if err := m.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c", Env: containerEnv("/usr/bin:/bin", os.Getpid())}}})
	res, err := m.Submit(context.Background(), []Request{{Target: alert.Target{Namespace: "shop", Pod: "p", Container: "c"}, Trigger: store.TriggerManual}})
	if err != nil || len(res.Accepted) != 1 {
		t.Fatalf("submit: %+v %v", res, err)
	}
	c := h.wait(t, res.Accepted[0].ID)
	if c.Status != store.StatusFailed || !strings.Contains(c.Error, "no JVM found") || fs.attempts != 4 {
		t.Errorf("capture %s %q after %d write attempts, want its own outcome on the 4th", c.Status, c.Error, fs.attempts)
	}
}

func TestOutputBeyondTheCapIsCutAndMarked(t *testing.T) {
	cfg := testConfig()
	// Room for the /proc samples of this small JVM, not for its whole thread dump.
	cfg.MaxOutputBytes = 16 << 10 // the samples take about 13 KB, the whole output about 21 KB
	h := newHarness(t, cfg)
	j := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), jvmtest.Compile(t))
	h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "big-0", Node: "n",
		Containers: []kubetest.ContainerSpec{{Name: "app", Env: containerEnv("/usr/bin:/bin", j.PID)}}})
	c := h.captureOne(t, alert.Target{Namespace: "shop", Pod: "big-0", Container: "app"})
	if !c.Truncated {
		t.Fatalf("capture not marked truncated: status %s error %q", c.Status, c.Error)
	}
	if c.Status == store.StatusDone {
		if len(c.Processes) != 1 || !c.Processes[0].Truncated || !strings.Contains(c.Processes[0].Error, "maxOutputBytes") {
			t.Errorf("processes %+v, want one marked truncated naming maxOutputBytes", c.Processes)
		}
		// What was sampled before the cut is kept: the threads' CPU ranks them.
		if len(c.Processes[0].Threads) == 0 {
			t.Errorf("no threads kept from the output before the cut")
		}
	} else if !strings.Contains(c.Error, "maxOutputBytes") {
		t.Errorf("status %s, reason %q does not name maxOutputBytes", c.Status, c.Error)
	}
	raw, err := h.store.RawDumps(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range raw {
		if int64(len(r.Text)) > cfg.MaxOutputBytes {
			t.Errorf("raw dump of %d bytes kept beyond the %d-byte cap", len(r.Text), cfg.MaxOutputBytes)
		}
	}
}
