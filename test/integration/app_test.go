//go:build integration

package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
)

// newApp builds an app instance the way Grafana does (the factory, settings JSON), whose
// Kubernetes client authenticates as id and execs over transport.
func newApp(t *testing.T, id identity, transport kube.ExecTransport, settings map[string]any) *plugin.App {
	t.Helper()
	newKube := func(plugin.ClusterConfig) (plugin.KubeClient, error) {
		return kube.NewForConfigWithTransport(id.config, transport)
	}
	return plugintest.NewApp(t, newKube, settings, plugintest.WithRetentionInterval(time.Hour))
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
	r := plugintest.Call(t, a, http.MethodPost, "/webhook", webhookPayload(t, targets...), plugintest.Editor)
	if r.Status != http.StatusAccepted {
		t.Fatalf("POST /webhook: %d %s", r.Status, r.Body)
	}
	return plugintest.Decode[plugin.SubmitResponse](t, r)
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
