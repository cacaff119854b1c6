package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/capture"
	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
	"github.com/seed/stackcapture/pkg/store"
)

// errMeasured ends an exec at the hook: these benchmarks measure the plugin up to the exec
// request, not the probe's run.
var errMeasured = errors.New("bench: exec request measured, command not run")

// BenchmarkWebhookToExec measures from the start of POST /webhook (through CallResource, as
// Grafana calls it) to the moment the exec request reaches the container in the in-process
// API server: decode, record, pod lookup, limits, MarkRunning, client-go's exec handshake.
func BenchmarkWebhookToExec(b *testing.B) {
	srv := kubetest.NewServer(b)
	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "api-0", Node: "worker-1",
		Containers: []kubetest.ContainerSpec{{Name: "app"}}})
	a := plugintest.NewApp(b, plugintest.KubeFor(srv.RESTConfig()), map[string]any{"cooldown": "0s"})
	execAt := make(chan time.Time, 1)
	srv.OnExec(func(context.Context, kubetest.ExecEvent) error {
		execAt <- time.Now()
		return errMeasured
	})
	body := webhookBody(b, []podRef{{"shop", "api-0", "app", "worker-1"}})
	ctx := context.Background()
	var samples []time.Duration
	for b.Loop() {
		start := time.Now()
		r, err := plugintest.Do(ctx, a, "POST", "/webhook", body, plugintest.Editor)
		if err != nil || r.Status != http.StatusAccepted {
			b.Fatalf("webhook: %d %s %v", r.Status, r.Body, err)
		}
		var sub plugin.SubmitResponse
		if err := json.Unmarshal(r.Body, &sub); err != nil || len(sub.Accepted) != 1 {
			b.Fatalf("webhook answer %s: %v", r.Body, err)
		}
		select {
		case at := <-execAt:
			samples = append(samples, at.Sub(start))
		case <-time.After(guard):
			b.Fatalf("no exec within %s", guard)
		}
		b.StopTimer()
		d := plugintest.WaitFinished(b, a, sub.Accepted[0].ID)
		if d.Status != "failed" || !strings.Contains(d.Error, errMeasured.Error()) {
			b.Fatalf("capture %s %q, want failed by the hook", d.Status, d.Error)
		}
		b.StartTimer()
	}
	b.ReportMetric(ms(percentile(samples, 50)), "p50-ms")
	b.ReportMetric(ms(percentile(samples, 99)), "p99-ms")
}

// finished is what the store was told at the end of a capture, and when.
type finished struct {
	id        int64
	at        time.Time
	processes []jvm.Process
	reason    string // non-empty: failed
}

// signallingStore is the real store that also reports each finished capture.
type signallingStore struct {
	*store.Store
	done chan finished
}

func (s signallingStore) Finish(ctx context.Context, id int64, at time.Time, ps []jvm.Process, truncated bool, windowMs int64, pieces ...evidence.Piece) error {
	err := s.Store.Finish(ctx, id, at, ps, truncated, windowMs, pieces...)
	s.done <- finished{id: id, at: time.Now(), processes: ps}
	return err
}

func (s signallingStore) Fail(ctx context.Context, id int64, at time.Time, reason string, ps []jvm.Process, pieces ...evidence.Piece) error {
	err := s.Store.Fail(ctx, id, at, reason, ps, pieces...)
	s.done <- finished{id: id, at: time.Now(), processes: ps, reason: reason}
	return err
}

// jvmCapturer captures one real JVM through the manager, client-go and the exec server.
type jvmCapturer struct {
	m      *capture.Manager
	st     signallingStore
	target alert.Target
}

func newJVMCapturer(b *testing.B, java string, window time.Duration, jvmArgs ...string) *jvmCapturer {
	b.Helper()
	jvmtest.RequireFile(b, java)
	j := jvmtest.Start(b, java, jvmtest.Compile(b), jvmArgs...)
	srv := kubetest.NewServer(b)
	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "api-0", Node: "worker-1",
		Containers: []kubetest.ContainerSpec{{Name: "app", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(j.PID)}}}})
	k, err := kube.NewForConfig(srv.RESTConfig())
	if err != nil {
		b.Fatal(err)
	}
	st := signallingStore{Store: openStore(b), done: make(chan finished, 1)}
	m := capture.New(capture.Config{
		SampleWindow: window, TopThreads: 50, PerNodeLimit: 10, GlobalLimit: 20,
		CaptureTimeout: 60 * time.Second, MaxOutputBytes: 64 << 20,
	}, k, st, benchLogger())
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			b.Errorf("close manager: %v", err)
		}
	})
	return &jvmCapturer{m: m, st: st, target: alert.Target{Namespace: "shop", Pod: "api-0", Container: "app", Node: "worker-1"}}
}

// captureOnce submits one capture and returns its wall time (Submit to result committed).
func (c *jvmCapturer) captureOnce(b *testing.B) (time.Duration, finished) {
	b.Helper()
	start := time.Now()
	res, err := c.m.Submit(context.Background(), []capture.Request{{Target: c.target, Trigger: store.TriggerManual, RequestedBy: "bench"}})
	if err != nil || len(res.Accepted) != 1 {
		b.Fatalf("submit: %+v %v", res, err)
	}
	select {
	case f := <-c.st.done:
		if f.reason != "" {
			b.Fatalf("capture failed: %s", f.reason)
		}
		if len(f.processes) != 1 || len(f.processes[0].Threads) == 0 || f.processes[0].Threads[0].Name != jvmtest.HotThread {
			b.Fatalf("capture did not rank %s first: %+v", jvmtest.HotThread, f.processes)
		}
		return f.at.Sub(start), f
	case <-time.After(guard):
		b.Fatalf("capture not finished within %s", guard)
	}
	panic("unreachable")
}

// BenchmarkCaptureWindow2s is one capture with a 2 s window of a JDK 17 JVM with 200 more
// sleeping threads: exec, two /proc samples, jcmd Thread.print, parse, rank, store.
func BenchmarkCaptureWindow2s(b *testing.B) {
	const window = 2 * time.Second
	c := newJVMCapturer(b, filepath.Join(jvmtest.JDK17Home, "bin", "java"), window, jvmtest.IdleThreadsArg(200))
	var walls []time.Duration
	for b.Loop() {
		wall, f := c.captureOnce(b)
		if n := f.processes[0].ThreadCount; n < 200 {
			b.Fatalf("JVM has %d threads in /proc, want 200 or more", n)
		}
		walls = append(walls, wall)
	}
	b.ReportMetric(ms(percentile(walls, 50)), "wall-ms")
	b.ReportMetric(ms(percentile(walls, 50)-window), "over-window-ms")
}

// BenchmarkStoredRatio stores real captures (through the manager, from real JVMs) and divides
// what the database file grew by the raw thread dumps' size. The growth counts everything:
// the row, its indexes, the ranked threads and the compressed raw dump.
func BenchmarkStoredRatio(b *testing.B) {
	for _, threads := range []int{200, 5000} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			c := newJVMCapturer(b, filepath.Join(jvmtest.JDK17Home, "bin", "java"), 300*time.Millisecond,
				jvmtest.IdleThreadsArg(threads), "-Xss256k")
			ctx := context.Background()
			before, err := c.st.UsedBytes(ctx)
			if err != nil {
				b.Fatal(err)
			}
			var raw int64
			for b.Loop() {
				_, f := c.captureOnce(b)
				raw += int64(len(f.processes[0].Raw))
			}
			after, err := c.st.UsedBytes(ctx)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(after-before)/float64(raw), "stored/raw")
			b.ReportMetric(float64(raw)/float64(b.N)/1024, "raw-KiB")
		})
	}
}

// BenchmarkParseThreadDump5000 parses a jcmd dump of a JDK 17 JVM with 5,000 more threads.
// alloc/input is bytes allocated per byte of dump.
func BenchmarkParseThreadDump5000(b *testing.B) {
	text := bigThreadDump(b, 5000)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		d, err := jvm.ParseThreadDump(text)
		if err != nil {
			b.Fatal(err)
		}
		if len(d.Threads) < 5000 {
			b.Fatalf("%d threads parsed, want 5000 or more", len(d.Threads))
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(len(text)), "alloc/input")
	b.ReportMetric(float64(len(text))/(1<<20), "input-MiB")
}

// BenchmarkList100Of100k lists the 100 captures of a time range among 100,000 stored ones (with
// their alerts, as webhooks store them) and reports the latency distribution of single calls.
func BenchmarkList100Of100k(b *testing.B) {
	st := openStore(b)
	ctx := context.Background()
	const stored, batch = 100_000, 1_000
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	step := 864 * time.Millisecond // 100,000 captures over a day
	for start := 0; start < stored; start += batch {
		cs := make([]*store.Capture, batch)
		for i := range cs {
			n := start + i
			created := base.Add(time.Duration(n) * step)
			cs[i] = &store.Capture{
				Status: store.StatusQueued, Trigger: store.TriggerAlert, RequestedBy: "sa-webhook",
				Namespace: fmt.Sprintf("ns-%d", n%20), Pod: fmt.Sprintf("api-%d-7d9f8c6b5-x2x4q", n%500),
				Container: "app", Node: fmt.Sprintf("worker-%d", n%50), CreatedAt: created,
				Alert: &alert.Alert{AlertName: "Pod CPU high", RuleUID: "cpu-rule", StartsAt: created,
					Labels:       map[string]string{"alertname": "Pod CPU high", "namespace": fmt.Sprintf("ns-%d", n%20)},
					DashboardURL: "http://grafana/d/lab-dash", DashboardUID: "lab-dash", PanelID: 1, OrgID: 1},
			}
			if n%3 == 0 {
				cs[i].Status, cs[i].Error, cs[i].FinishedAt = store.StatusSkipped, "cooldown: recently captured", created
			}
		}
		if _, err := st.InsertBatch(ctx, cs); err != nil {
			b.Fatal(err)
		}
	}
	from := base.Add(50_000 * step)
	f := store.Filter{From: from, To: from.Add(99 * step), Limit: 100}
	var samples []time.Duration
	for b.Loop() {
		start := time.Now()
		page, err := st.List(ctx, f)
		samples = append(samples, time.Since(start))
		if err != nil || len(page.Captures) != 100 {
			b.Fatalf("list: %d captures, %v", len(page.Captures), err)
		}
	}
	b.ReportMetric(ms(percentile(samples, 50)), "p50-ms")
	b.ReportMetric(ms(percentile(samples, 99)), "p99-ms")
}

// BenchmarkAlertStorm sends one webhook of 1,000 firing alerts over 50 nodes (20 pods each) to
// a plugin instance running in a child process, so its peak RSS is the plugin's alone and not
// the API server's. The exec hook here counts execs in flight per node; each holds 20 ms and
// then fails, so the limits, not the probe, shape the storm.
func BenchmarkAlertStorm(b *testing.B) {
	const nodes, perNode, perNodeLimit, hold = 50, 20, 10, 20 * time.Millisecond
	srv := kubetest.NewServer(b)
	nodeOf := map[string]string{}
	for n := range nodes {
		for p := range perNode {
			pod := fmt.Sprintf("api-%d-%d", n, p)
			nodeOf[pod] = fmt.Sprintf("worker-%d", n)
			srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: pod, Node: nodeOf[pod],
				Containers: []kubetest.ContainerSpec{{Name: "app"}}})
		}
	}
	var mu sync.Mutex
	active, peak := map[string]int{}, 0
	srv.OnExec(func(ctx context.Context, ev kubetest.ExecEvent) error {
		node := nodeOf[ev.Pod]
		mu.Lock()
		active[node]++
		peak = max(peak, active[node])
		mu.Unlock()
		select {
		case <-time.After(hold):
		case <-ctx.Done():
		}
		mu.Lock()
		active[node]--
		mu.Unlock()
		return errMeasured
	})
	var latencies []time.Duration
	var hwmKB, warmKB, fileKB int64
	for b.Loop() {
		res := runStormChild(b, srv.URL(), stormParams{Nodes: nodes, PerNode: perNode, PerNodeLimit: perNodeLimit, Storms: 3})
		for _, l := range res.LatenciesMs {
			latencies = append(latencies, time.Duration(l*float64(time.Millisecond)))
		}
		hwmKB, warmKB, fileKB = max(hwmKB, res.PeakRSSKB), max(warmKB, res.WarmHWMKB), max(fileKB, res.RssFileKB)
	}
	started, _, _ := srv.ExecStats()
	if want := b.N * 3 * nodes * perNode; started < want {
		b.Fatalf("%d execs reached the containers, want %d", started, want)
	}
	b.ReportMetric(ms(percentile(latencies, 50)), "202-ms")
	b.ReportMetric(float64(peak), "peak-node-execs")
	b.ReportMetric(perNodeLimit, "node-limit")
	b.ReportMetric(float64(hwmKB)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(warmKB)/1024, "warm-RSS-MB")
	b.ReportMetric(float64(fileKB)/1024, "file-RSS-MB")
}

// BenchmarkSafepoints counts the safepoints a capture adds on the target JVM, from the JVM's
// own -Xlog:safepoint, against an idle interval of the same length just before.
func BenchmarkSafepoints(b *testing.B) {
	for _, jdk := range []struct{ name, home string }{{"jdk17", jvmtest.JDK17Home}, {"jdk25", jvmtest.JDK25Home}} {
		b.Run(jdk.name, func(b *testing.B) {
			logPath := filepath.Join(b.TempDir(), "safepoint.log")
			c := newJVMCapturer(b, filepath.Join(jdk.home, "bin", "java"), 500*time.Millisecond,
				"-Xlog:safepoint:file="+logPath)
			var during, idle int
			var paused time.Duration
			ops := map[string]int{}
			for b.Loop() {
				b.StopTimer()
				mark := safepointLines(b, logPath)
				time.Sleep(time.Second) // an idle interval about as long as a capture
				idleLines := safepointLines(b, logPath)[len(mark):]
				b.StartTimer()
				wall, _ := c.captureOnce(b)
				b.StopTimer()
				lines := safepointLines(b, logPath)[len(mark)+len(idleLines):]
				during += len(lines)
				idle += len(idleLines) * int(wall) / int(time.Second)
				for _, l := range lines {
					ops[safepointOp(l)]++
					paused += safepointTotal(l)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(during)/float64(b.N), "safepoints/capture")
			b.ReportMetric(float64(idle)/float64(b.N), "idle-baseline")
			b.ReportMetric(ms(paused)/float64(b.N), "paused-ms/capture")
			b.Logf("%s safepoint operations during %d captures: %v", jdk.name, b.N, ops)
		})
	}
}

// safepointLines returns the "Safepoint "..." lines the JVM has logged so far.
func safepointLines(tb testing.TB, path string) []string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read safepoint log: %v", err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, `Safepoint "`) {
			out = append(out, l)
		}
	}
	return out
}

func safepointOp(line string) string {
	_, rest, _ := strings.Cut(line, `Safepoint "`)
	op, _, _ := strings.Cut(rest, `"`)
	return op
}

// safepointTotal reads the "Total: 758872 ns" the JVM logs for each safepoint.
func safepointTotal(line string) time.Duration {
	_, rest, ok := strings.Cut(line, "Total: ")
	if !ok {
		return 0
	}
	num, _, _ := strings.Cut(rest, " ns") // JDK 25 goes on with ", Threads: …"
	ns, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0
	}
	return time.Duration(ns)
}
