//go:build integration

package integration

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
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/plugin"
)

var (
	editor = &backend.User{Login: "sa-1-stackcapture-webhook", Role: "Editor"}
	viewer = &backend.User{Login: "ann", Role: "Viewer"}
)

// newApp builds an app instance the way Grafana does (the factory, settings JSON), whose
// Kubernetes client authenticates as id and execs over transport.
func newApp(t *testing.T, id identity, transport kube.ExecTransport, settings map[string]any) *plugin.App {
	t.Helper()
	dir := t.TempDir()
	if settings == nil {
		settings = map[string]any{}
	}
	settings["databasePath"] = filepath.Join(dir, "captures.db")
	raw, err := json.Marshal(settings)
	if err != nil {
		t.Fatal(err)
	}
	deps := plugin.Deps{
		Logger:  log.NewNullLogger(),
		DataDir: func() (string, error) { return dir, nil },
		NewKube: func(plugin.Settings) (plugin.KubeClient, error) {
			return kube.NewForConfigWithTransport(id.config, transport)
		},
		RetentionInterval: time.Hour,
	}
	inst, err := plugin.NewAppFactory(deps)(context.Background(), backend.AppInstanceSettings{JSONData: raw, Updated: time.Now()})
	if err != nil {
		t.Fatalf("new app instance: %v", err)
	}
	a, ok := inst.(*plugin.App)
	if !ok {
		t.Fatalf("the factory built a %T, want *plugin.App", inst)
	}
	t.Cleanup(a.Dispose)
	return a
}

type response struct {
	status int
	body   []byte
}

// call sends a resource request the way Grafana forwards one, with the caller in the plugin context.
func call(t *testing.T, a *plugin.App, method, path string, body []byte, user *backend.User) response {
	t.Helper()
	route, _, _ := strings.Cut(path, "?")
	req := &backend.CallResourceRequest{
		PluginContext: backend.PluginContext{OrgID: 1, PluginID: plugin.PluginID, User: user},
		Path:          strings.TrimPrefix(route, "/"),
		Method:        method,
		URL:           path,
		Headers:       map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"Grafana/12.4.0"}},
		Body:          body,
	}
	var res response
	err := a.CallResource(testContext(t), req, backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
		if res.status == 0 {
			res.status = r.Status
		}
		res.body = append(res.body, r.Body...)
		return nil
	}))
	if err != nil {
		t.Fatalf("CallResource %s %s: %v", method, path, err)
	}
	return res
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %d response %q: %v", r.status, r.body, err)
	}
	return v
}

// target is one pod an alert names.
type target struct{ namespace, pod string }

// webhookPayload is Grafana 12.4's real webhook body (the shared fixture) with one firing
// alert per target, each naming its namespace, pod, container and node in the labels.
func webhookPayload(t *testing.T, targets ...target) []byte {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "fixtures", "grafana-webhook", "grafana-12.4-k8s-firing-linked-panel.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("fixture %s is missing (the shared/ folder must sit beside the repository): %v", path, err)
	}
	var msg map[string]any
	if err := json.Unmarshal(raw, &msg); err != nil {
		t.Fatalf("fixture %s: %v", path, err)
	}
	alerts, _ := msg["alerts"].([]any)
	if len(alerts) != 1 {
		t.Fatalf("fixture %s has %d alerts, want 1 to copy", path, len(alerts))
	}
	template, err := json.Marshal(alerts[0])
	if err != nil {
		t.Fatal(err)
	}
	var out []any
	for i, tg := range targets {
		var a map[string]any
		if err := json.Unmarshal(template, &a); err != nil {
			t.Fatal(err)
		}
		labels := a["labels"].(map[string]any)
		labels["namespace"], labels["pod"], labels["container"], labels["node"] = tg.namespace, tg.pod, podContainer, nodeName
		a["fingerprint"] = fmt.Sprintf("%016x", i+1)
		out = append(out, a)
	}
	msg["alerts"] = out
	msg["commonLabels"] = commonLabels(out) // as Grafana computes them: shared by every alert
	body, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func commonLabels(alerts []any) map[string]any {
	common := map[string]any{}
	for i, a := range alerts {
		labels := a.(map[string]any)["labels"].(map[string]any)
		if i == 0 {
			for k, v := range labels {
				common[k] = v
			}
			continue
		}
		for k, v := range common {
			if labels[k] != v {
				delete(common, k)
			}
		}
	}
	return common
}

// submit posts the webhook as Grafana's contact point does and returns the plugin's answer.
func submit(t *testing.T, a *plugin.App, targets ...target) plugin.SubmitResponse {
	t.Helper()
	r := call(t, a, http.MethodPost, "/webhook", webhookPayload(t, targets...), editor)
	if r.status != http.StatusAccepted {
		t.Fatalf("POST /webhook: %d %s", r.status, r.body)
	}
	return decode[plugin.SubmitResponse](t, r)
}

// submitOne posts a webhook for one target and returns the id of its accepted capture.
func submitOne(t *testing.T, a *plugin.App, tg target) int64 {
	t.Helper()
	sub := submit(t, a, tg)
	if len(sub.Accepted) != 1 || len(sub.Skipped) != 0 {
		t.Fatalf("webhook for %s/%s: accepted %+v, skipped %+v", tg.namespace, tg.pod, sub.Accepted, sub.Skipped)
	}
	acc := sub.Accepted[0]
	if acc.Namespace != tg.namespace || acc.Pod != tg.pod || acc.Container != podContainer {
		t.Fatalf("accepted %+v, want %s/%s container %s", acc, tg.namespace, tg.pod, podContainer)
	}
	return acc.ID
}

func detail(t *testing.T, a *plugin.App, id int64) plugin.CaptureDetail {
	t.Helper()
	r := call(t, a, http.MethodGet, fmt.Sprintf("/captures/%d", id), nil, viewer)
	if r.status != http.StatusOK {
		t.Fatalf("GET /captures/%d: %d %s", id, r.status, r.body)
	}
	return decode[plugin.CaptureDetail](t, r)
}

// waitFinished polls GET /captures/{id} until the capture is no longer queued or running.
func waitFinished(t *testing.T, a *plugin.App, id int64) plugin.CaptureDetail {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // a failure guard, not a performance bound
	for {
		d := detail(t, a, id)
		if d.Status != "queued" && d.Status != "running" {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("capture %d still %s", id, d.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// jvmPod creates a pod whose container "holds" the JVM: exec into it runs on this machine
// with STACKCAPTURE_PIDS set to the JVM's pid and PATH set to path. It returns once exec works.
func jvmPod(t *testing.T, namespace, name string, j jvmtest.JVM, path string) target {
	t.Helper()
	c := clusterFor(t)
	ctx := testContext(t)
	env := []string{"STACKCAPTURE_PIDS=" + strconv.Itoa(j.PID), "PATH=" + path}
	if err := c.createPod(ctx, namespace, name, env); err != nil {
		t.Fatal(err)
	}
	if err := c.waitExecReady(ctx, namespace, name); err != nil {
		t.Fatalf("exec into %s/%s never worked: %v", namespace, name, err)
	}
	return target{namespace: namespace, pod: name}
}

// health runs the config page's Test button.
func health(t *testing.T, a *plugin.App) (*backend.CheckHealthResult, map[string]plugin.HealthCheck) {
	t.Helper()
	res, err := a.CheckHealth(testContext(t), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatalf("CheckHealth: %v", err)
	}
	var details plugin.HealthDetails
	if err := json.Unmarshal(res.JSONDetails, &details); err != nil {
		t.Fatalf("health details %q: %v", res.JSONDetails, err)
	}
	checks := map[string]plugin.HealthCheck{}
	for _, c := range details.Checks {
		checks[c.Name] = c
	}
	return res, checks
}

const hostPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
