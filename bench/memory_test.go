package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"k8s.io/client-go/rest"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/capture/capturetest"
	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
	"github.com/seed/stackcapture/pkg/store"
)

// The memory benchmarks run the plugin side in a child process of this test binary, so its
// resident set is the plugin's alone: not the API server's, not the data set's being made.
// The child builds an app instance on a database the parent prepared, warms it with one small
// call, reads its idle RSS, resets its peak (/proc/self/clear_refs), runs the scenario and
// reads the peak again.

const memoryChild = "memory"

type memParams struct {
	Scenario  string // "captures", "raw" or "list"
	KubeURL   string
	DBPath    string
	Count     int   // captures at once, or downloads at once
	CaptureID int64 // raw: the capture to download
	WantBytes int64 // raw: the length of each download
}

type memResult struct {
	IdleRSSKB int64
	PeakRSSKB int64 // VmHWM since the reset: the scenario's peak
	PeakReset bool  // false: the kernel did not reset the peak, it may be older than the scenario
	Done      int   // captures done, downloads complete, rows listed
}

func runMemoryChild(b *testing.B, p memParams) memResult {
	b.Helper()
	params, err := json.Marshal(p)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+memoryChild, "BENCH_PARAMS="+string(params))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("memory child: %v\n%s", err, stderr.Bytes())
	}
	var res memResult
	if err := json.Unmarshal(out, &res); err != nil {
		b.Fatalf("memory child output %q: %v", out, err)
	}
	if !res.PeakReset {
		b.Logf("the peak RSS could not be reset: it may predate the scenario")
	}
	return res
}

func memChild(rawParams string) (memResult, error) {
	var p memParams
	if err := json.Unmarshal([]byte(rawParams), &p); err != nil {
		return memResult{}, fmt.Errorf("params: %w", err)
	}
	host := p.KubeURL
	if host == "" {
		host = "http://127.0.0.1:1" // never called
	}
	a, err := plugintest.Build(plugintest.KubeFor(&rest.Config{Host: host, QPS: -1}), map[string]any{
		"databasePath": p.DBPath, "cooldown": "0s", "captureTimeout": "5m", "sampleWindow": "100ms",
	})
	if err != nil {
		return memResult{}, err
	}
	defer a.Dispose()
	ctx := context.Background()
	if _, err := plugintest.Do(ctx, a, http.MethodGet, "/captures?limit=1", nil, plugintest.Viewer); err != nil {
		return memResult{}, fmt.Errorf("warm-up: %w", err)
	}
	runtime.GC()
	debug.FreeOSMemory()
	time.Sleep(time.Second)
	var res memResult
	if res.IdleRSSKB, err = statusKB(os.Getpid(), "VmRSS"); err != nil {
		return memResult{}, err
	}
	// "5" resets VmHWM to the current RSS (Linux 4.0+).
	res.PeakReset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil

	switch p.Scenario {
	case "captures":
		res.Done, err = memCaptures(ctx, a, p.Count)
	case "raw":
		res.Done, err = memDownloads(ctx, a, p.Count, p.CaptureID, p.WantBytes)
	case "list":
		res.Done, err = memList(ctx, a)
	default:
		err = fmt.Errorf("unknown scenario %q", p.Scenario)
	}
	if err != nil {
		return memResult{}, err
	}
	if res.PeakRSSKB, err = statusKB(os.Getpid(), "VmHWM"); err != nil {
		return memResult{}, err
	}
	return res, nil
}

// memCaptures sends one webhook of n alerts, one per pod, and waits for every capture to end.
func memCaptures(ctx context.Context, a *plugin.App, n int) (int, error) {
	targets := make([]podRef, n)
	for i := range targets {
		targets[i] = podRef{"shop", fmt.Sprintf("big-%d", i), "app", fmt.Sprintf("worker-%d", i%2)}
	}
	body, err := buildWebhook(targets)
	if err != nil {
		return 0, err
	}
	r, err := plugintest.Do(ctx, a, http.MethodPost, "/webhook", body, plugintest.Editor)
	if err != nil || r.Status != http.StatusAccepted {
		return 0, fmt.Errorf("webhook: %d %.300s %v", r.Status, r.Body, err)
	}
	if err := plugintest.WaitIdle(ctx, a); err != nil {
		return 0, err
	}
	r, err = plugintest.Do(ctx, a, http.MethodGet, fmt.Sprintf("/captures?limit=%d", n), nil, plugintest.Viewer)
	if err != nil {
		return 0, err
	}
	var list plugin.ListResponse
	if err := json.Unmarshal(r.Body, &list); err != nil {
		return 0, fmt.Errorf("list: %w", err)
	}
	done := 0
	for _, c := range list.Captures {
		if c.Status != "done" || c.Truncated {
			return 0, fmt.Errorf("capture %d: %s truncated=%v %s", c.ID, c.Status, c.Truncated, c.Error)
		}
		done++
	}
	return done, nil
}

// countingSender takes a resource response as Grafana's side of the stream would, keeping
// only its length.
type countingSender struct {
	status int
	bytes  int64
}

func (s *countingSender) Send(r *backend.CallResourceResponse) error {
	if s.status == 0 {
		s.status = r.Status
	}
	s.bytes += int64(len(r.Body))
	return nil
}

// memDownloads runs n raw downloads of capture id at once.
func memDownloads(ctx context.Context, a *plugin.App, n int, id, want int64) (int, error) {
	var wg sync.WaitGroup
	var complete atomic.Int64
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s := &countingSender{}
			err := plugintest.StreamInOrg(ctx, a, 1, http.MethodGet, fmt.Sprintf("/captures/%d/raw", id), nil, plugintest.Viewer, s)
			switch {
			case err != nil:
				errs <- err
			case s.status != http.StatusOK || s.bytes != want:
				errs <- fmt.Errorf("download: status %d, %d bytes, want %d", s.status, s.bytes, want)
			default:
				complete.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		return 0, err
	}
	return int(complete.Load()), nil
}

func memList(ctx context.Context, a *plugin.App) (int, error) {
	r, err := plugintest.Do(ctx, a, http.MethodGet, "/captures?limit=500", nil, plugintest.Viewer)
	if err != nil || r.Status != http.StatusOK {
		return 0, fmt.Errorf("list: %d %.300s %v", r.Status, r.Body, err)
	}
	var list plugin.ListResponse
	if err := json.Unmarshal(r.Body, &list); err != nil {
		return 0, fmt.Errorf("list: %w", err)
	}
	return len(list.Captures), nil
}

func reportMemory(b *testing.B, results []memResult) {
	b.Helper()
	var peak, above []float64
	for _, r := range results {
		peak = append(peak, float64(r.PeakRSSKB)/1024)
		above = append(above, float64(r.PeakRSSKB-r.IdleRSSKB)/1024)
	}
	b.ReportMetric(median(peak), "peak-RSS-MB")
	b.ReportMetric(median(above), "above-idle-MB")
	b.ReportMetric(float64(results[0].IdleRSSKB)/1024, "idle-RSS-MB")
}

// BenchmarkMemoryCaptures20AtCap: one webhook of 20 alerts, each capture's probe printing
// 16 MiB (the default output cap), default limits and budget. Peak RSS of the plugin process.
func BenchmarkMemoryCaptures20AtCap(b *testing.B) {
	const n = 20
	output := capturetest.ProbeOutput(16 << 20)
	bin := capturetest.PrintingShell(b, output, 0)
	srv := kubetest.NewServer(b)
	for i := range n {
		srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: fmt.Sprintf("big-%d", i), Node: fmt.Sprintf("worker-%d", i%2),
			Containers: []kubetest.ContainerSpec{{Name: "app", Env: []string{"PATH=" + bin}}}})
	}
	var results []memResult
	for b.Loop() {
		res := runMemoryChild(b, memParams{Scenario: "captures", KubeURL: srv.URL(), DBPath: filepath.Join(b.TempDir(), "captures.db"), Count: n})
		if res.Done != n {
			b.Fatalf("%d captures done, want %d", res.Done, n)
		}
		results = append(results, res)
	}
	_, _, maxActive := srv.ExecStats()
	b.ReportMetric(float64(maxActive), "peak-execs")
	b.ReportMetric(float64(len(output))/(1<<20), "output-MiB")
	reportMemory(b, results)
}

// rawDumpText is thread-dump-like text of about n bytes.
func rawDumpText(n int) string {
	var s strings.Builder
	s.Grow(n + 256)
	for i := 0; s.Len() < n; i++ {
		fmt.Fprintf(&s, "\"http-nio-8080-exec-%d\" #%d daemon prio=5 os_prio=0 tid=0x00007ff8%08x nid=0x%x waiting on condition\n"+
			"   java.lang.Thread.State: TIMED_WAITING (parking)\n\tat com.example.shop.Handler%d.handle(Handler%d.java:%d)\n\n",
			i, 20+i, i, 1000+i, i%97, i%97, i%1013)
	}
	return s.String()
}

// BenchmarkMemoryRawDownloads8: eight Viewers download the raw dump of one capture (15 MiB) at once.
func BenchmarkMemoryRawDownloads8(b *testing.B) {
	const n = 8
	dbPath := filepath.Join(b.TempDir(), "captures.db")
	ctx := context.Background()
	st, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	raw := rawDumpText(15 << 20)
	created := time.Now().UTC().Add(-time.Minute).Truncate(time.Second) // within retention
	id, err := st.Insert(ctx, &store.Capture{OrgID: 1, Status: store.StatusQueued, Trigger: store.TriggerManual, RequestedBy: "bench",
		Namespace: "shop", Pod: "api-0", Container: "app", CreatedAt: created})
	if err == nil {
		err = st.MarkRunning(ctx, id, created.Add(time.Second), "app", "worker-1")
	}
	if err == nil {
		err = st.Finish(ctx, id, created.Add(3*time.Second),
			[]jvm.Process{{PID: 100, Threads: []jvm.Thread{{Name: "main", NativeID: 7, InDump: true}}, Raw: raw}}, false, 2000)
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	want := int64(len(raw) + len(fmt.Sprintf("# Stack Capture %d: shop/api-0 container app, JVM pid 100\n", id)))
	var results []memResult
	for b.Loop() {
		res := runMemoryChild(b, memParams{Scenario: "raw", DBPath: dbPath, Count: n, CaptureID: id, WantBytes: want})
		if res.Done != n {
			b.Fatalf("%d downloads complete, want %d", res.Done, n)
		}
		results = append(results, res)
	}
	b.ReportMetric(float64(len(raw))/(1<<20), "dump-MiB")
	reportMemory(b, results)
}

// BenchmarkMemoryList500BigLabels: GET /captures?limit=500 over 500 captures whose alerts each
// carry a 1 MB label value.
func BenchmarkMemoryList500BigLabels(b *testing.B) {
	const rows, batch = 500, 25
	dbPath := filepath.Join(b.TempDir(), "captures.db")
	ctx := context.Background()
	st, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	label := strings.Repeat("0123456789abcdef", 1<<16)             // 1 MiB
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second) // within retention
	for start := 0; start < rows && err == nil; start += batch {
		cs := make([]*store.Capture, batch)
		for i := range cs {
			n := start + i
			created := base.Add(time.Duration(n) * time.Second)
			cs[i] = &store.Capture{OrgID: 1, Status: store.StatusSkipped, Trigger: store.TriggerAlert, RequestedBy: "sa-webhook",
				Namespace: "shop", Pod: fmt.Sprintf("api-%d", n), Container: "app", CreatedAt: created, FinishedAt: created,
				Error: "cooldown: recently captured",
				Alert: &alert.Alert{AlertName: "Pod CPU high", RuleUID: "cpu-rule", StartsAt: created,
					Labels:       map[string]string{"alertname": "Pod CPU high", "namespace": "shop", "huge": label},
					DashboardUID: "lab-dash", PanelID: 1, OrgID: 1}}
		}
		_, err = st.InsertBatch(ctx, cs)
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	var results []memResult
	for b.Loop() {
		res := runMemoryChild(b, memParams{Scenario: "list", DBPath: dbPath})
		if res.Done != rows {
			b.Fatalf("%d rows listed, want %d", res.Done, rows)
		}
		results = append(results, res)
	}
	reportMemory(b, results)
}
