package plugin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
	"github.com/seed/stackcapture/pkg/sharedfixtures"
)

// The fixture's target: shop/checkout-7d9f8c6b5-x2x4q container app on worker-1, panel 1 of lab-dash.
const (
	fixtureNamespace = "shop"
	fixturePod       = "checkout-7d9f8c6b5-x2x4q"
)

func webhookFixture(t *testing.T, name string) []byte {
	t.Helper()
	return sharedfixtures.Webhook(t, name)
}

type testApp struct {
	app *plugin.App
	srv *kubetest.Server
}

// newTestApp builds an instance the way Grafana does, with the in-process API server
// standing in for the cluster.
func newTestApp(t *testing.T, jsonData map[string]any) *testApp {
	t.Helper()
	srv := kubetest.NewServer(t)
	return &testApp{app: plugintest.NewApp(t, plugintest.KubeFor(srv.RESTConfig()), jsonData), srv: srv}
}

func TestWebhookToStackThroughCallResource(t *testing.T) {
	ta := newTestApp(t, map[string]any{"sampleWindow": "700ms", "topThreads": 5})
	j := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), jvmtest.Compile(t))
	ta.srv.AddPod(kubetest.PodSpec{Namespace: fixtureNamespace, Name: fixturePod, Node: "worker-1",
		Containers: []kubetest.ContainerSpec{{Name: "app", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(j.PID)}}}})

	r := plugintest.Call(t, ta.app, "POST", "/webhook", webhookFixture(t, "grafana-12.4-k8s-firing-linked-panel.json"), plugintest.Editor)
	if r.Status != http.StatusAccepted {
		t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}
	sub := plugintest.Decode[plugin.SubmitResponse](t, r)
	if len(sub.Accepted) != 1 || len(sub.Skipped) != 0 {
		t.Fatalf("webhook answer %s", r.Body)
	}
	assertShape(t, r.Body, "submit.json")
	acc := sub.Accepted[0]
	if acc.Namespace != fixtureNamespace || acc.Pod != fixturePod || acc.Container != "app" || acc.ID < 1 {
		t.Errorf("accepted %+v", acc)
	}

	d := plugintest.WaitFinished(t, ta.app, acc.ID)
	if d.Status != "done" {
		t.Fatalf("capture %s: %s", d.Status, d.Error)
	}
	assertShape(t, plugintest.Call(t, ta.app, "GET", fmt.Sprintf("/captures/%d", acc.ID), nil, plugintest.Viewer).Body, "detail-done.json", "capture-evidence.json")
	if d.TopThread == nil || d.TopThread.Name != jvmtest.HotThread {
		t.Errorf("top thread %+v, want %s", d.TopThread, jvmtest.HotThread)
	}
	top := d.Processes[0].Threads[0]
	if top.Name != jvmtest.HotThread || len(top.Frames) == 0 {
		t.Errorf("first thread %q with %d frames", top.Name, len(top.Frames))
	}
	if d.Alert == nil || d.Alert.AlertName != "Pod CPU high" || d.DashboardUID != "lab-dash" || d.PanelID != 1 || d.Alert.RuleUID != "lab-k8s-cpu" {
		t.Errorf("alert kept: %+v (dashboard %q panel %d)", d.Alert, d.DashboardUID, d.PanelID)
	}
	if d.Trigger != "alert" || d.RequestedBy != plugintest.Editor.Login || d.Node != "worker-1" {
		t.Errorf("trigger %q requested by %q node %q", d.Trigger, d.RequestedBy, d.Node)
	}

	// Listed beside the panel it came from, newest first, with the hot thread.
	r = plugintest.Call(t, ta.app, "GET", "/captures?dashboardUid=lab-dash&panelId=1&namespace=shop", nil, plugintest.Viewer)
	list := plugintest.Decode[plugin.ListResponse](t, r)
	if r.Status != http.StatusOK || len(list.Captures) != 1 || list.Captures[0].ID != acc.ID || list.Captures[0].TopThread.Name != jvmtest.HotThread {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	assertShape(t, r.Body, "list.json")
	if r := plugintest.Call(t, ta.app, "GET", "/captures?dashboardUid=other-dash", nil, plugintest.Viewer); len(plugintest.Decode[plugin.ListResponse](t, r).Captures) != 0 {
		t.Errorf("another dashboard's list is not empty: %s", r.Body)
	}

	raw := plugintest.Call(t, ta.app, "GET", fmt.Sprintf("/captures/%d/raw", acc.ID), nil, plugintest.Viewer)
	if raw.Status != http.StatusOK || !strings.Contains(string(raw.Body), `"`+jvmtest.HotThread+`"`) {
		t.Fatalf("raw: %d %.200s", raw.Status, raw.Body)
	}
	if cd := strings.Join(raw.Headers["Content-Disposition"], ""); !strings.Contains(cd, "attachment") || !strings.Contains(cd, fixturePod) {
		t.Errorf("Content-Disposition %q", cd)
	}

	// The same alert again, within the cooldown: recorded as skipped with the next allowed time.
	r = plugintest.Call(t, ta.app, "POST", "/webhook", webhookFixture(t, "grafana-12.4-k8s-firing-linked-panel.json"), plugintest.Editor)
	again := plugintest.Decode[plugin.SubmitResponse](t, r)
	if len(again.Accepted) != 0 || len(again.Skipped) != 1 || !strings.Contains(again.Skipped[0].Reason, "cooldown") {
		t.Fatalf("repeat: %s", r.Body)
	}
	skipped := plugintest.Decode[plugin.ListResponse](t, plugintest.Call(t, ta.app, "GET", "/captures?status=skipped", nil, plugintest.Viewer))
	if len(skipped.Captures) != 1 || skipped.Captures[0].NextAllowedAt == nil {
		t.Fatalf("skipped list: %+v", skipped)
	}
	assertShape(t, plugintest.Call(t, ta.app, "GET", fmt.Sprintf("/captures/%d", skipped.Captures[0].ID), nil, plugintest.Viewer).Body, "detail-skipped.json")
}

func TestManualCaptureOfAPodWithoutJVMFails(t *testing.T) {
	ta := newTestApp(t, map[string]any{"sampleWindow": "200ms"})
	ta.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "nginx-0", Node: "worker-1",
		Containers: []kubetest.ContainerSpec{{Name: "web", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(os.Getpid())}}}})
	r := plugintest.Call(t, ta.app, "POST", "/captures", []byte(`{"namespace":"shop","pod":"nginx-0"}`), plugintest.Admin)
	if r.Status != http.StatusAccepted {
		t.Fatalf("capture now: %d %s", r.Status, r.Body)
	}
	id := plugintest.Decode[plugin.SubmitResponse](t, r).Accepted[0].ID
	d := plugintest.WaitFinished(t, ta.app, id)
	assertShape(t, plugintest.Call(t, ta.app, "GET", fmt.Sprintf("/captures/%d", id), nil, plugintest.Viewer).Body, "detail-failed.json", "capture-evidence.json")
	if d.Status != "failed" || !strings.Contains(d.Error, "no JVM found") || d.Trigger != "manual" || d.RequestedBy != "admin" || d.Alert != nil {
		t.Errorf("manual capture: status %s error %q trigger %q by %q", d.Status, d.Error, d.Trigger, d.RequestedBy)
	}
}

func TestWebhookSkipsAreRecordedOrAnswered(t *testing.T) {
	ta := newTestApp(t, nil)
	tests := []struct {
		fixture  string
		reason   string
		recorded bool
	}{
		{"grafana-12.4-resolved.json", "alert is resolved", false},
		{"grafana-12.4-k8s-datasource-error.json", "DatasourceError", true},
		{"grafana-12.4-firing.json", "alert has no namespace", true},
	}
	for _, tt := range tests {
		r := plugintest.Call(t, ta.app, "POST", "/webhook", webhookFixture(t, tt.fixture), plugintest.Editor)
		sub := plugintest.Decode[plugin.SubmitResponse](t, r)
		if r.Status != http.StatusAccepted || len(sub.Accepted) != 0 || len(sub.Skipped) != 1 || !strings.Contains(sub.Skipped[0].Reason, tt.reason) {
			t.Errorf("%s: %d %s", tt.fixture, r.Status, r.Body)
		}
	}
	list := plugintest.Decode[plugin.ListResponse](t, plugintest.Call(t, ta.app, "GET", "/captures", nil, plugintest.Viewer))
	if len(list.Captures) != 2 {
		t.Fatalf("%d captures recorded, want the 2 skips worth recording: %+v", len(list.Captures), list.Captures)
	}
	for _, c := range list.Captures {
		if c.Status != "skipped" || c.Error == "" || c.AlertName == "" {
			t.Errorf("recorded skip %+v", c)
		}
	}
}

func TestRoutesRejectBadRequests(t *testing.T) {
	ta := newTestApp(t, map[string]any{"maxBodyBytes": 4096})
	big := []byte(`{"version":"1","alerts":[],"pad":"` + strings.Repeat("x", 5000) + `"}`)
	tests := []struct {
		name       string
		method     string
		path       string
		body       []byte
		user       *backend.User
		wantStatus int
		wantBody   string
	}{
		{"no user", "GET", "/captures", nil, nil, 401, "no Grafana user"},
		{"plugintest.Viewer cannot post webhooks", "POST", "/webhook", []byte(`{}`), plugintest.Viewer, 403, "needs the Editor role or above"},
		{"no role cannot read", "GET", "/captures", nil, &backend.User{Login: "x", Role: "None"}, 403, "needs the Viewer role"},
		{"plugintest.Viewer cannot capture", "POST", "/captures", []byte(`{"namespace":"a","pod":"b"}`), plugintest.Viewer, 403, "Editor"},
		{"malformed JSON", "POST", "/webhook", []byte(`{"alerts": [`), plugintest.Editor, 400, "malformed JSON"},
		{"not a Grafana webhook", "POST", "/webhook", []byte(`{"version":"4","alerts":[]}`), plugintest.Editor, 400, `payload version "4"`},
		{"too large", "POST", "/webhook", big, plugintest.Editor, 413, "larger than 4096 bytes"},
		{"capture now without pod", "POST", "/captures", []byte(`{"namespace":"a"}`), plugintest.Editor, 400, "namespace and pod are required"},
		{"capture now bad name", "POST", "/captures", []byte(`{"namespace":"a","pod":"b; rm -rf /"}`), plugintest.Editor, 400, "invalid pod name"},
		{"capture now unknown field", "POST", "/captures", []byte(`{"namespace":"a","pod":"b","cmd":"x"}`), plugintest.Editor, 400, "unknown field"},
		{"bad status filter", "GET", "/captures?status=weird", nil, plugintest.Viewer, 400, `status "weird"`},
		{"bad from", "GET", "/captures?from=yesterday", nil, plugintest.Viewer, 400, "from \"yesterday\": want epoch milliseconds"},
		{"bad limit", "GET", "/captures?limit=501", nil, plugintest.Viewer, 400, "limit \"501\": want 1 to 500"},
		{"bad cursor", "GET", "/captures?cursor=bm90LWEtY3Vyc29y", nil, plugintest.Viewer, 400, "cursor"},
		{"bad id", "GET", "/captures/abc", nil, plugintest.Viewer, 400, "want a positive number"},
		{"unknown id", "GET", "/captures/999", nil, plugintest.Viewer, 404, "capture 999 not found"},
		{"unknown route", "GET", "/nope", nil, plugintest.Viewer, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := plugintest.Call(t, ta.app, tt.method, tt.path, tt.body, tt.user)
			if r.Status != tt.wantStatus || !strings.Contains(string(r.Body), tt.wantBody) {
				t.Errorf("%s %s: %d %q, want %d containing %q", tt.method, tt.path, r.Status, r.Body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	// None of that recorded anything.
	if list := plugintest.Decode[plugin.ListResponse](t, plugintest.Call(t, ta.app, "GET", "/captures", nil, plugintest.Viewer)); len(list.Captures) != 0 {
		t.Errorf("bad requests left captures: %+v", list.Captures)
	}
}

func TestInvalidSettingsAnswer503AndHealthSaysWhy(t *testing.T) {
	ta := newTestApp(t, map[string]any{"sampleWindow": "forever", "topThreads": 0})
	r := plugintest.Call(t, ta.app, "GET", "/captures", nil, plugintest.Viewer)
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), `sampleWindow: "forever" is not a duration`) ||
		!strings.Contains(string(r.Body), "topThreads: 0 is outside") {
		t.Errorf("GET /captures with invalid settings: %d %s", r.Status, r.Body)
	}
	res, err := ta.app.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "sampleWindow") {
		t.Errorf("health %v %q", res.Status, res.Message)
	}
}

// An invalid server configuration (the server admin's grafana.ini section) is never replaced by
// defaults: every org's routes answer 503 naming each wrong key, and so does the health check.
func TestInvalidServerConfigAnswers503AndHealthSaysWhy(t *testing.T) {
	p := realProcess(t, map[string]string{"per_node_limit": "0", "cluster_default_namespaces": "Shop!",
		"database_path": filepath.Join(t.TempDir(), "captures.db")})
	for _, org := range []int64{1, 2} {
		a := p.InstanceT(t, org, nil)
		r := plugintest.CallInOrg(t, a, org, "POST", "/webhook", webhookFixture(t, "grafana-12.4-k8s-firing-linked-panel.json"), plugintest.Editor)
		for _, want := range []string{"invalid server configuration ([plugin.seed-stackcapture-app] in grafana.ini", `per_node_limit: "0"`, `cluster_default_namespaces: "Shop!"`} {
			if r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), want) {
				t.Errorf("org %d webhook with an invalid server configuration: %d %s, want 503 with %q", org, r.Status, r.Body, want)
			}
		}
		res, err := a.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
		if err != nil || res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "per_node_limit") || !strings.Contains(res.Message, "cluster_default_namespaces") {
			t.Errorf("org %d health: %v %v %q", org, err, res.Status, res.Message)
		}
	}
}

func TestHealthCheck(t *testing.T) {
	ta := newTestApp(t, map[string]any{"allowedNamespaces": []string{"shop", "pay"}})
	health := func() (*backend.CheckHealthResult, map[string]plugin.HealthCheck) {
		res, err := ta.app.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var d plugin.HealthDetails
		if err := json.Unmarshal(res.JSONDetails, &d); err != nil {
			t.Fatal(err)
		}
		byName := map[string]plugin.HealthCheck{}
		for _, c := range d.Checks {
			byName[c.Name] = c
		}
		return res, byName
	}
	res, checks := health()
	assertShape(t, []byte(`{"status":"OK","message":"m","details":`+string(res.JSONDetails)+`}`), "health.json")
	if res.Status != backend.HealthStatusOk {
		t.Fatalf("healthy setup: %v %q %+v", res.Status, res.Message, checks)
	}
	for _, name := range []string{"settings", "kubernetes", "get pods", "create pods/exec", "get pods/log", "store"} {
		if checks[name].Status != "ok" {
			t.Errorf("check %q = %+v", name, checks[name])
		}
	}
	if !strings.Contains(checks["kubernetes"].Message, kubetest.GitVersion) {
		t.Errorf("kubernetes check %q does not name the version", checks["kubernetes"].Message)
	}

	ta.srv.Deny("create", "pods", "exec")
	ta.srv.Deny("get", "pods", "log")
	res, checks = health()
	if res.Status != backend.HealthStatusError {
		t.Errorf("exec denied but health %v", res.Status)
	}
	if c := checks["create pods/exec"]; c.Status != "error" || !strings.Contains(c.Message, `grant "create" on "pods/exec"`) || !strings.Contains(c.Message, "namespace shop") {
		t.Errorf("exec check %+v", c)
	}
	if c := checks["get pods/log"]; c.Status != "warning" || !strings.Contains(c.Message, "kill -3") {
		t.Errorf("log check %+v", c)
	}
	if !strings.Contains(res.Message, "create pods/exec") {
		t.Errorf("health message %q does not name the failed check", res.Message)
	}
}

func TestStoreUnwritableIsReported(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A database path under a regular file can never be created, even by root.
	ta := newTestApp(t, map[string]any{"databasePath": filepath.Join(blocker, "captures.db")})
	r := plugintest.Call(t, ta.app, "POST", "/webhook", webhookFixture(t, "grafana-12.4-k8s-firing-linked-panel.json"), plugintest.Editor)
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), "open the capture database") {
		t.Errorf("webhook with no database: %d %s", r.Status, r.Body)
	}
	res, err := ta.app.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil || res.Status != backend.HealthStatusError || !strings.Contains(res.Message, blocker) {
		t.Errorf("health: %v %+v", err, res)
	}
}

// Recovery after a restart fails only the captures of a dead process: another live process
// on the same file, even opening it by another spelling of its path, keeps its captures.
func TestRecoveryLeavesALiveProcessAlone(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "captures.db")
	srv := kubetest.NewServer(t)
	first := plugintest.NewApp(t, plugintest.KubeFor(srv.RESTConfig()), map[string]any{"databasePath": dbPath, "sampleWindow": "200ms"})
	release := srv.HoldExecs()
	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n",
		Containers: []kubetest.ContainerSpec{{Name: "c", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(os.Getpid())}}}})
	r := plugintest.Call(t, first, "POST", "/captures", []byte(`{"namespace":"shop","pod":"p","container":"c"}`), plugintest.Editor)
	id := plugintest.Decode[plugin.SubmitResponse](t, r).Accepted[0].ID
	waitStatus(t, first, id, "running")

	// A second runtime in this (live) process, on the same file spelt differently.
	second := plugintest.NewApp(t, plugintest.KubeFor(srv.RESTConfig()), map[string]any{"databasePath": filepath.Join(dir, ".", "sub", "..", "captures.db")})
	if d := plugintest.Get[plugin.CaptureDetail](t, second, fmt.Sprintf("/captures/%d", id), plugintest.Viewer); d.Status != "running" {
		t.Fatalf("a live process's capture after another start: %s %q", d.Status, d.Error)
	}
	release()
	if d := plugintest.WaitFinished(t, first, id); d.Status != "failed" || !strings.Contains(d.Error, "no JVM found") {
		t.Errorf("the capture did not run to its own end: %s %q", d.Status, d.Error)
	}
}

// waitStatus polls a capture until it has status.
func waitStatus(t *testing.T, a *plugin.App, id int64, status string) {
	t.Helper()
	deadline := time.Now().Add(plugintest.Guard)
	for {
		d := plugintest.Get[plugin.CaptureDetail](t, a, fmt.Sprintf("/captures/%d", id), plugintest.Viewer)
		if d.Status == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("capture %d is %s, not %s, after %s", id, d.Status, status, plugintest.Guard)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
