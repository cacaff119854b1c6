package plugin_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
)

// TestHostileContentStoredHarmless sends one webhook through CallResource whose content is built
// to hurt the people who read captures: script URLs, a 420 KB label, a 100 KB pod name; and
// captures a JVM whose command line carries secrets, taking every kind of evidence (capture:
// all), so the JVM heap's summary is served too. What is stored and served is harmless.
func TestHostileContentStoredHarmless(t *testing.T) {
	ta := newTestApp(t, map[string]any{"sampleWindow": "300ms", "topThreads": 3})
	j := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), jvmtest.Compile(t),
		"-Ddb.password=hunter2-secret", "-Dapi.token=tok-secret", "-Dspring.profiles.active=prod")
	ta.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "api-0", Node: "worker-1",
		Containers: []kubetest.ContainerSpec{{Name: "app", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(j.PID)}}}})

	bigLabel := strings.Repeat("L", 420*1024)
	hugePod := strings.Repeat("p", 100*1024)
	alerts := []map[string]any{
		{"status": "firing", "startsAt": "2026-11-22T10:31:00Z",
			"labels":       map[string]string{"alertname": "cpu", "namespace": "shop", "pod": "api-0", "container": "app", "team": bigLabel, "capture": "all"},
			"generatorURL": "javascript:alert(document.cookie)",
			"dashboardURL": " JavaScript:alert(1)",
			"panelURL":     "data:text/html,<script>alert(1)</script>"},
		{"status": "firing", "startsAt": "2026-11-22T10:31:00Z",
			"labels": map[string]string{"alertname": "cpu", "namespace": "shop", "pod": hugePod}},
	}
	body, err := json.Marshal(map[string]any{"receiver": "x", "status": "firing", "version": "1", "orgId": 1, "alerts": alerts})
	if err != nil {
		t.Fatal(err)
	}
	r := plugintest.Call(t, ta.app, "POST", "/webhook", body, plugintest.Editor)
	if r.Status != http.StatusAccepted {
		t.Fatalf("webhook: %d %.300s", r.Status, r.Body)
	}
	sub := plugintest.Decode[plugin.SubmitResponse](t, r)
	if len(sub.Accepted) != 1 || len(sub.Skipped) != 1 {
		t.Fatalf("accepted %d skipped %d: %.500s", len(sub.Accepted), len(sub.Skipped), r.Body)
	}
	if reason := sub.Skipped[0].Reason; len(reason) > 400 || !strings.Contains(reason, "invalid pod name") || !strings.Contains(reason, "(102400 bytes)") {
		t.Errorf("skip reason (%d bytes) %.300q, want a short invalid pod name with the length", len(reason), reason)
	}
	if len(r.Body) > 8<<10 {
		t.Errorf("the answer is %d bytes: a name or label was echoed", len(r.Body))
	}

	d := plugintest.WaitFinished(t, ta.app, sub.Accepted[0].ID)
	if d.Status != "done" {
		t.Fatalf("capture %s: %s", d.Status, d.Error)
	}
	a := d.Alert
	if a == nil || a.GeneratorURL != "" || a.DashboardURL != "" || a.PanelURL != "" {
		t.Errorf("stored alert URLs %+v, want none kept", a)
	}
	if v := a.Labels["team"]; len(v) > alert.MaxLabelValueBytes+40 || !strings.Contains(v, "[cut, 430080 bytes]") {
		t.Errorf("team label stored as %d bytes", len(v))
	}
	if len(d.Processes) != 1 || !strings.Contains(d.Processes[0].Command, "-Ddb.password=***") ||
		!strings.Contains(d.Processes[0].Command, "-Dapi.token=***") || !strings.Contains(d.Processes[0].Command, "-Dspring.profiles.active=prod") {
		t.Errorf("stored command line %q, want secrets masked and the rest kept", d.Processes[0].Command)
	}
	paths := []string{fmt.Sprintf("/captures/%d", d.ID), fmt.Sprintf("/captures/%d/raw", d.ID), "/captures?limit=50"}
	heap := false
	for _, e := range d.Evidence {
		heap = heap || e.Kind == "jvm-heap" && e.Failure == nil
		if e.RawURL != "" {
			paths = append(paths, "/"+e.RawURL)
		}
	}
	if !heap {
		t.Errorf("no jvm-heap evidence taken: %+v", d.Evidence)
	}
	for _, path := range paths {
		got := plugintest.Call(t, ta.app, "GET", path, nil, plugintest.Viewer)
		for _, secret := range [][]byte{[]byte("hunter2-secret"), []byte("tok-secret"), []byte("javascript:"), []byte(hugePod[:1000]), []byte(bigLabel[:2000])} {
			if bytes.Contains(got.Body, secret) {
				t.Errorf("GET %s serves %.40q", path, secret)
			}
		}
	}
	// The recorded skip of the huge name is in the history, without the name.
	list := plugintest.Get[plugin.ListResponse](t, ta.app, "/captures?status=skipped", plugintest.Viewer)
	if len(list.Captures) != 1 || list.Captures[0].Pod != "" || len(list.Captures[0].Error) > 400 {
		t.Errorf("skipped captures %+v", list.Captures)
	}
}
