// Package crash kills the plugin with SIGKILL in the middle of a storm of captures and checks
// what a restart finds: an intact database in which every capture is complete or failed
// with its reason, none half-written.
package crash

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"k8s.io/client-go/rest"
	_ "modernc.org/sqlite" // the driver the store uses, for PRAGMA integrity_check on the raw file

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
)

// childEnv makes the test binary run the plugin side of the storm instead of the tests.
const childEnv = "STACKCAPTURE_CRASH_CHILD"

// guard bounds every wait: a failure guard, not a performance bound.
const guard = 3 * time.Minute

const pods = 24

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		if err := runChild(os.Getenv("CRASH_KUBE_URL"), os.Getenv("CRASH_DB")); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestKill9DuringCaptureStorm(t *testing.T) {
	srv := kubetest.NewServer(t)
	j := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), jvmtest.Compile(t))
	for i := range pods {
		srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: fmt.Sprintf("api-%d", i), Node: fmt.Sprintf("worker-%d", i%4),
			Containers: []kubetest.ContainerSpec{{Name: "app", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(j.PID)}}}})
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "captures.db")

	// Three plugin processes in turn on the same file, each killed mid-storm; each one's
	// start recovers what the one before left.
	for round := range 3 {
		killMidStorm(t, srv.URL(), dbPath)
		db, err := sql.Open("sqlite", dbPath)
		if err != nil {
			t.Fatal(err)
		}
		var check string
		err = db.QueryRow("PRAGMA integrity_check").Scan(&check)
		db.Close()
		if err != nil || check != "ok" {
			t.Fatalf("round %d: integrity_check after kill -9: %q %v", round, check, err)
		}
	}

	// Restart: the factory fails what the dead process left queued or running.
	a := newApp(t, srv.RESTConfig(), dbPath)
	all := listAll(t, a)
	if len(all) < 5 {
		t.Fatalf("%d captures recorded before the kill, want a storm", len(all))
	}
	var done, restarted int
	for _, s := range all {
		d := get[plugin.CaptureDetail](t, a, fmt.Sprintf("/captures/%d", s.ID))
		switch d.Status {
		case "done":
			done++
			if len(d.Processes) == 0 || d.TopThread == nil || len(d.Processes[0].Threads) == 0 || d.FinishedAt == nil {
				t.Errorf("capture %d is done but half-written: %d processes, top thread %v", d.ID, len(d.Processes), d.TopThread)
				continue
			}
			status, raw := call(t, a, "GET", fmt.Sprintf("/captures/%d/raw", d.ID))
			if status != http.StatusOK || !strings.Contains(string(raw), "Full thread dump") {
				t.Errorf("capture %d is done without its raw dump: %d %.200s", d.ID, status, raw)
			}
		case "failed":
			if d.Error == "" || d.FinishedAt == nil {
				t.Errorf("capture %d failed without a reason or finish time: %+v", d.ID, d.CaptureSummary)
			}
			if d.Error == "plugin restarted" {
				restarted++
			}
		case "skipped":
			if d.Error == "" {
				t.Errorf("capture %d skipped without a reason", d.ID)
			}
		default:
			t.Errorf("capture %d is %s after the restart", d.ID, d.Status)
		}
	}
	if done < 9 || restarted < 6 {
		t.Errorf("%d done and %d failed with \"plugin restarted\", want the kill to have caught a storm in flight", done, restarted)
	}
	t.Logf("after kill -9: %d captures, %d done, %d failed with \"plugin restarted\"", len(all), done, restarted)
}

// killMidStorm runs the plugin in a child process on dbPath and kills it with SIGKILL once
// several captures are done and several are in flight, while it keeps recording webhooks.
func killMidStorm(t *testing.T, kubeURL, dbPath string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	child := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"=1", "CRASH_KUBE_URL="+kubeURL, "CRASH_DB="+dbPath)
	var stderr strings.Builder
	child.Stderr = &stderr
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	killed, firstDone := false, -1
	for lines.Scan() {
		var done, running int
		if _, err := fmt.Sscanf(lines.Text(), "done %d running %d", &done, &running); err != nil {
			continue
		}
		if firstDone < 0 {
			firstDone = done
		}
		if done >= firstDone+3 && running >= 2 {
			if err := child.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			killed = true
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	_ = child.Wait()
	if !killed {
		t.Fatalf("the child ended before the storm was under way: %s", stderr.String())
	}
}

// newApp builds an instance the way Grafana does on (re)start, on the database at dbPath.
func newApp(t testing.TB, rc *rest.Config, dbPath string) *plugin.App {
	t.Helper()
	a, err := buildApp(rc, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Dispose)
	return a
}

func buildApp(rc *rest.Config, dbPath string) (*plugin.App, error) {
	settings, err := json.Marshal(map[string]any{"databasePath": dbPath, "cooldown": "0s", "sampleWindow": "200ms",
		"topThreads": 5, "perNodeLimit": 1, "globalLimit": 3})
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(dbPath)
	deps := plugin.Deps{
		Logger:  log.NewNullLogger(),
		DataDir: func() (string, error) { return dir, nil },
		NewKube: func(plugin.Settings) (plugin.KubeClient, error) { return kube.NewForConfig(rc) },
	}
	inst, err := plugin.NewAppFactory(deps)(context.Background(), backend.AppInstanceSettings{JSONData: settings, Updated: time.Now()})
	if err != nil {
		return nil, fmt.Errorf("new instance: %w", err)
	}
	return inst.(*plugin.App), nil
}

var editor = &backend.User{Login: "sa-1-stackcapture-webhook", Role: "Editor"}

func callResource(a *plugin.App, method, path string, body []byte) (int, []byte, error) {
	route, _, _ := strings.Cut(path, "?")
	var status int
	var out []byte
	err := a.CallResource(context.Background(), &backend.CallResourceRequest{
		PluginContext: backend.PluginContext{OrgID: 1, PluginID: plugin.PluginID, User: editor},
		Path:          strings.TrimPrefix(route, "/"), Method: method, URL: path, Body: body,
		Headers: map[string][]string{"Content-Type": {"application/json"}},
	}, backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
		if status == 0 {
			status = r.Status
		}
		out = append(out, r.Body...)
		return nil
	}))
	return status, out, err
}

func call(t *testing.T, a *plugin.App, method, path string) (int, []byte) {
	t.Helper()
	status, body, err := callResource(a, method, path, nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return status, body
}

func get[T any](t *testing.T, a *plugin.App, path string) T {
	t.Helper()
	status, body := call(t, a, "GET", path)
	var v T
	if status != http.StatusOK || json.Unmarshal(body, &v) != nil {
		t.Fatalf("GET %s: %d %.300s", path, status, body)
	}
	return v
}

// listAll pages through every capture.
func listAll(t *testing.T, a *plugin.App) []plugin.CaptureSummary {
	t.Helper()
	var all []plugin.CaptureSummary
	cursor := ""
	for {
		page := get[plugin.ListResponse](t, a, "/captures?limit=500&cursor="+cursor)
		all = append(all, page.Captures...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

// runChild is the plugin process of the test: it keeps sending webhooks (a few alerts every
// 100 ms, cooldown off) and prints how many captures are done and running, until killed.
// Lists stop at 500: enough to see progress, and the test needs only a few.
func runChild(kubeURL, dbPath string) error {
	a, err := buildApp(&rest.Config{Host: kubeURL, QPS: -1}, dbPath)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(guard)
	for n := 0; time.Now().Before(deadline); n++ {
		var alerts []map[string]any
		for k := range 4 {
			pod := fmt.Sprintf("api-%d", (4*n+k)%pods)
			alerts = append(alerts, map[string]any{"status": "firing", "startsAt": time.Now().UTC(),
				"labels": map[string]string{"alertname": "Pod CPU high", "namespace": "shop", "pod": pod, "container": "app"}})
		}
		body, err := json.Marshal(map[string]any{"version": "1", "status": "firing", "orgId": 1, "alerts": alerts})
		if err != nil {
			return err
		}
		if status, resp, err := callResource(a, "POST", "/webhook", body); err != nil || status != http.StatusAccepted {
			return fmt.Errorf("webhook: %d %.300s %v", status, resp, err)
		}
		counts := map[string]int{}
		for _, status := range []string{"done", "running"} {
			code, resp, err := callResource(a, "GET", "/captures?limit=500&status="+status, nil)
			var list plugin.ListResponse
			if err != nil || code != http.StatusOK || json.Unmarshal(resp, &list) != nil {
				return fmt.Errorf("list %s: %d %.300s %v", status, code, resp, err)
			}
			counts[status] = len(list.Captures)
		}
		fmt.Printf("done %d running %d\n", counts["done"], counts["running"])
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not killed within %s", guard)
}
