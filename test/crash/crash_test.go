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

	"k8s.io/client-go/rest"
	_ "modernc.org/sqlite" // the driver the store uses, for PRAGMA integrity_check on the raw file

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
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
	a := plugintest.NewApp(t, plugintest.KubeFor(srv.RESTConfig()), crashSettings(dbPath))
	all := listAll(t, a)
	if len(all) < 5 {
		t.Fatalf("%d captures recorded before the kill, want a storm", len(all))
	}
	var done, restarted int
	for _, s := range all {
		d := plugintest.Get[plugin.CaptureDetail](t, a, fmt.Sprintf("/captures/%d", s.ID), plugintest.Editor)
		switch d.Status {
		case "done":
			done++
			if len(d.Processes) == 0 || d.TopThread == nil || len(d.Processes[0].Threads) == 0 || d.FinishedAt == nil {
				t.Errorf("capture %d is done but half-written: %d processes, top thread %v", d.ID, len(d.Processes), d.TopThread)
				continue
			}
			raw := plugintest.Call(t, a, "GET", fmt.Sprintf("/captures/%d/raw", d.ID), nil, plugintest.Editor)
			if raw.Status != http.StatusOK || !strings.Contains(string(raw.Body), "Full thread dump") {
				t.Errorf("capture %d is done without its raw dump: %d %.200s", d.ID, raw.Status, raw.Body)
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

// crashSettings are the plugin's settings in every process of the test, on the database at dbPath.
func crashSettings(dbPath string) map[string]any {
	return map[string]any{"databasePath": dbPath, "cooldown": "0s", "sampleWindow": "200ms",
		"topThreads": 5, "perNodeLimit": 1, "globalLimit": 3}
}

// listAll pages through every capture.
func listAll(t *testing.T, a *plugin.App) []plugin.CaptureSummary {
	t.Helper()
	var all []plugin.CaptureSummary
	cursor := ""
	for {
		page := plugintest.Get[plugin.ListResponse](t, a, "/captures?limit=500&cursor="+cursor, plugintest.Editor)
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
	a, err := plugintest.Build(plugintest.KubeFor(&rest.Config{Host: kubeURL, QPS: -1}), crashSettings(dbPath))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
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
		if r, err := plugintest.Do(ctx, a, "POST", "/webhook", body, plugintest.Editor); err != nil || r.Status != http.StatusAccepted {
			return fmt.Errorf("webhook: %d %.300s %v", r.Status, r.Body, err)
		}
		counts := map[string]int{}
		for _, status := range []string{"done", "running"} {
			r, err := plugintest.Do(ctx, a, "GET", "/captures?limit=500&status="+status, nil, plugintest.Editor)
			var list plugin.ListResponse
			if err != nil || r.Status != http.StatusOK || json.Unmarshal(r.Body, &list) != nil {
				return fmt.Errorf("list %s: %d %.300s %v", status, r.Status, r.Body, err)
			}
			counts[status] = len(list.Captures)
		}
		fmt.Printf("done %d running %d\n", counts["done"], counts["running"])
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not killed within %s", guard)
}
