package plugin_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"k8s.io/client-go/rest"

	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
	"github.com/seed/stackcapture/pkg/store"
)

// dumpText is thread-dump-like text of about n bytes.
func dumpText(n int) string {
	var b strings.Builder
	b.Grow(n + 128)
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "\"worker-%d\" #%d daemon prio=5 nid=0x%x waiting on condition\n\tat com.example.Handler%d.handle(Handler.java:%d)\n", i, i, 1000+i, i%97, i%1013)
	}
	return b.String()
}

// storedCapture writes a done capture with the given raw dumps into the database at dbPath
// through a second store on the same file, as another instance of the plugin would.
func storedCapture(t *testing.T, dbPath string, raws ...string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), plugintest.Guard)
	defer cancel()
	st, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	created := time.Date(2026, 11, 22, 10, 31, 52, 0, time.UTC)
	id, err := st.Insert(ctx, &store.Capture{OrgID: 1, Status: store.StatusQueued, Trigger: store.TriggerManual, RequestedBy: "ann",
		Namespace: "shop", Pod: "api-0", Container: "app", CreatedAt: created})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.MarkRunning(ctx, id, created.Add(time.Second), "app", "worker-1"); err != nil {
		t.Fatal(err)
	}
	var ps []jvm.Process
	for i, raw := range raws {
		ps = append(ps, jvm.Process{PID: 100 + i, Container: "app", Threads: []jvm.Thread{{Name: "main", NativeID: 7, InDump: true}}, Raw: raw})
	}
	if err := st.Finish(ctx, id, created.Add(3*time.Second), ps, false, 2000); err != nil {
		t.Fatal(err)
	}
	return id
}

type chunkRecorder struct {
	status  int
	headers map[string][]string
	chunks  []int
	body    strings.Builder
}

func (c *chunkRecorder) Send(r *backend.CallResourceResponse) error {
	if c.status == 0 {
		c.status, c.headers = r.Status, r.Headers
	}
	c.chunks = append(c.chunks, len(r.Body))
	c.body.Write(r.Body)
	return nil
}

func getRaw(t *testing.T, a *plugin.App, id int64) *chunkRecorder {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), plugintest.Guard)
	defer cancel()
	rec := &chunkRecorder{}
	if err := plugintest.StreamInOrg(ctx, a, 1, http.MethodGet, fmt.Sprintf("/captures/%d/raw", id), nil, plugintest.Viewer, rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestRawDownloadIsStreamed: a 15 MiB dump reaches Grafana in pieces, never as one response
// holding the whole text, and the pieces join into exactly what the route always answered.
func TestRawDownloadIsStreamed(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "captures.db")
	a := plugintest.NewApp(t, plugintest.KubeFor(&rest.Config{Host: "http://127.0.0.1:1"}), map[string]any{"databasePath": dbPath})
	big, small := dumpText(15<<20), dumpText(3000)
	id := storedCapture(t, dbPath, big, small)

	rec := getRaw(t, a, id)
	if rec.status != http.StatusOK {
		t.Fatalf("raw: %d %.300s", rec.status, rec.body.String())
	}
	want := fmt.Sprintf("# Stack Capture %d: shop/api-0 container app, JVM pid 100\n%s\n# Stack Capture %d: shop/api-0 container app, JVM pid 101\n%s", id, big, id, small)
	if got := rec.body.String(); got != want {
		t.Fatalf("raw body: %d bytes, want %d (equal prefix %v)", len(got), len(want), strings.HasPrefix(want, got[:min(len(got), 1000)]))
	}
	if ct := strings.Join(rec.headers["Content-Type"], ""); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := strings.Join(rec.headers["Content-Disposition"], ""); cd != `attachment; filename="stackcapture-`+fmt.Sprint(id)+`-api-0-20261122T103152Z.txt"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	largest := 0
	for _, n := range rec.chunks {
		largest = max(largest, n)
	}
	if largest > 512<<10 || len(rec.chunks) < 15 {
		t.Errorf("the download came in %d pieces, the largest %d bytes: want pieces of at most 512 KiB", len(rec.chunks), largest)
	}
}

func TestRawDownloadWithoutDumps(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "captures.db")
	a := plugintest.NewApp(t, plugintest.KubeFor(&rest.Config{Host: "http://127.0.0.1:1"}), map[string]any{"databasePath": dbPath})
	id := storedCapture(t, dbPath, "")
	if rec := getRaw(t, a, id); rec.status != http.StatusNotFound || !strings.Contains(rec.body.String(), "has no thread dump (status done)") {
		t.Errorf("capture without a dump: %d %q", rec.status, rec.body.String())
	}
	if rec := getRaw(t, a, id+1); rec.status != http.StatusNotFound || !strings.Contains(rec.body.String(), "not found") {
		t.Errorf("unknown capture: %d %q", rec.status, rec.body.String())
	}
}
