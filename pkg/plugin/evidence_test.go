package plugin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	rtpprof "runtime/pprof"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
	"github.com/seed/stackcapture/pkg/store"
)

// storedEvidence writes a done Go capture of org with a CPU profile (this process's own
// heap profile stands for its gzipped protobuf), a text raw, the pod's story and a failed
// piece, through a second store on the database file as another plugin instance would.
func storedEvidence(t *testing.T, dbPath string, org int64) (id int64, profile, text []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), plugintest.Guard)
	defer cancel()
	st, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var buf bytes.Buffer
	if err := rtpprof.Lookup("heap").WriteTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	profile = buf.Bytes()
	text = []byte(strings.Repeat("num     #instances         #bytes  class name\n   1:  1000  1048576  [B\n", 500))
	created := time.Date(2026, 11, 22, 10, 31, 52, 0, time.UTC)
	id, err = st.Insert(ctx, &store.Capture{OrgID: org, Status: store.StatusQueued, Trigger: store.TriggerAlert, RequestedBy: "sa",
		Namespace: "shop", Pod: "cart-0", Container: "app", CreatedAt: created, Focus: evidence.FocusAll})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.MarkRunning(ctx, id, created.Add(time.Second), "app", "worker-1"); err != nil {
		t.Fatal(err)
	}
	cpu := json.RawMessage(`{"windowNanos":2000000000,"topFlat":[{"function":"main.burnCPU","flatNanos":1800000000,"cumNanos":1800000000,"flatShare":0.9,"cumShare":0.9}],"topCum":[]}`)
	pieces := []evidence.Piece{
		{Kind: "go-cpu", Container: "app", Source: `container port "pprof" of container "app" (http://:6060/debug/pprof)`, Path: "/debug/pprof/profile?seconds=2",
			Started: created.Add(time.Second), Took: 2013 * time.Millisecond, Summary: cpu, Raw: profile, RawName: "cpu.pb.gz", RawType: "application/octet-stream"},
		{Kind: "jvm-heap", Container: "app", Source: "jcmd in container app, pid 1", Path: "GC.class_histogram", Started: created.Add(time.Second),
			Summary: json.RawMessage(`{"top":[]}`), Raw: text, RawName: "heap-histogram.txt", RawType: "text/plain"},
		{Kind: "pod-story", Started: created.Add(time.Second), Summary: json.RawMessage(`{"story":{},"timeline":[]}`)},
		{Kind: "go-heap", Container: "app", Failure: &evidence.Failure{Reason: "forbidden", Message: "grant get on pods/proxy"}},
	}
	if err := st.Finish(ctx, id, created.Add(3*time.Second), nil, false, 2000, pieces...); err != nil {
		t.Fatal(err)
	}
	return id, profile, text
}

func TestCaptureDetailServesEvidence(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "captures.db")
	a := plugintest.NewApp(t, plugintest.KubeFor(&rest.Config{Host: "http://127.0.0.1:1"}), map[string]any{"databasePath": dbPath})
	id, profile, text := storedEvidence(t, dbPath, 1)
	theirs, _, _ := storedEvidence(t, dbPath, 2)

	r := plugintest.Call(t, a, http.MethodGet, fmt.Sprintf("/captures/%d", id), nil, plugintest.Viewer)
	if r.Status != http.StatusOK {
		t.Fatalf("detail: %d %s", r.Status, r.Body)
	}
	assertShape(t, r.Body, "capture-evidence.json")
	d := plugintest.Decode[plugin.CaptureDetail](t, r)
	if d.Focus != "all" || strings.Join(d.EvidenceKinds, ",") != "go-cpu,jvm-heap,pod-story" {
		t.Errorf("focus %q, kinds %v", d.Focus, d.EvidenceKinds)
	}
	if d.TopFunction == nil || d.TopFunction.Name != "main.burnCPU" || d.TopFunction.Kind != "cpu" || d.TopFunction.CPUPercent == nil || *d.TopFunction.CPUPercent != 90 || d.TopFunction.Bytes != nil {
		t.Errorf("top function %+v", d.TopFunction)
	}
	if len(d.Evidence) != 4 {
		t.Fatalf("%d pieces, want 4", len(d.Evidence))
	}
	wantRaw := map[string][]byte{"go-cpu": profile, "jvm-heap": text}
	for _, e := range d.Evidence {
		raw, hasRaw := wantRaw[e.Kind]
		switch {
		case hasRaw && (e.RawURL != fmt.Sprintf("captures/%d/evidence/%d/raw", id, e.ID) || e.RawBytes != int64(len(raw))):
			t.Errorf("%s: rawUrl %q, rawBytes %d", e.Kind, e.RawURL, e.RawBytes)
		case !hasRaw && (e.RawURL != "" || e.RawBytes != 0):
			t.Errorf("%s without raw bytes: rawUrl %q", e.Kind, e.RawURL)
		}
		if e.Kind == "go-heap" && (e.Failure == nil || e.Failure.Reason != "forbidden" || (len(e.Summary) > 0 && string(e.Summary) != "null")) {
			t.Errorf("failed piece %+v", e)
		}
		if e.Kind == "go-cpu" && (e.TookMs != 2013 || e.StartedAt == nil || !strings.Contains(string(e.Summary), "main.burnCPU")) {
			t.Errorf("go-cpu piece %+v", e)
		}
		if !hasRaw {
			continue
		}
		res := plugintest.Call(t, a, http.MethodGet, "/"+e.RawURL, nil, plugintest.Viewer)
		if res.Status != http.StatusOK || !bytes.Equal(res.Body, raw) {
			t.Errorf("%s raw: %d, %d bytes, want the %d stored", e.Kind, res.Status, len(res.Body), len(raw))
		}
		wantName := map[string]string{"go-cpu": "cpu.pb.gz", "jvm-heap": "heap-histogram.txt"}[e.Kind]
		wantType := map[string]string{"go-cpu": "application/octet-stream", "jvm-heap": "text/plain; charset=utf-8"}[e.Kind]
		if cd := strings.Join(res.Headers["Content-Disposition"], ""); cd != fmt.Sprintf(`attachment; filename="capture-%d-app-%s"`, id, wantName) {
			t.Errorf("%s Content-Disposition %q", e.Kind, cd)
		}
		if ct := strings.Join(res.Headers["Content-Type"], ""); ct != wantType {
			t.Errorf("%s Content-Type %q, want %q", e.Kind, ct, wantType)
		}
		if strings.Join(res.Headers["X-Content-Type-Options"], "") != "nosniff" {
			t.Errorf("%s: no nosniff", e.Kind)
		}
		// The other org's caller learns nothing of it.
		if other := plugintest.CallInOrg(t, a, 2, http.MethodGet, "/"+e.RawURL, nil, plugintest.Viewer); other.Status != http.StatusNotFound {
			t.Errorf("%s raw asked by org 2: %d", e.Kind, other.Status)
		}
	}

	theirDetail := plugintest.CallInOrg(t, a, 2, http.MethodGet, fmt.Sprintf("/captures/%d", theirs), nil, plugintest.Viewer)
	theirEv := plugintest.Decode[plugin.CaptureDetail](t, theirDetail).Evidence[0].ID
	cases := []struct {
		path       string
		wantStatus int
		wantBody   string
	}{
		{fmt.Sprintf("/captures/%d/evidence/%d/raw", theirs, theirEv), http.StatusNotFound, "not found"},
		{fmt.Sprintf("/captures/%d/evidence/%d/raw", id, theirEv), http.StatusNotFound, "not found"},
		{fmt.Sprintf("/captures/%d/evidence/%d/raw", id, d.Evidence[2].ID), http.StatusNotFound, "kept no raw bytes"},
		{fmt.Sprintf("/captures/%d/evidence/0/raw", id), http.StatusBadRequest, "want a positive number"},
		{fmt.Sprintf("/captures/%d/evidence/x/raw", id), http.StatusBadRequest, "want a positive number"},
	}
	for _, tc := range cases {
		res := plugintest.Call(t, a, http.MethodGet, tc.path, nil, plugintest.Viewer)
		if res.Status != tc.wantStatus || !strings.Contains(string(res.Body), tc.wantBody) {
			t.Errorf("GET %s: %d %q, want %d …%s…", tc.path, res.Status, res.Body, tc.wantStatus, tc.wantBody)
		}
	}

	lr := plugintest.Call(t, a, http.MethodGet, "/captures", nil, plugintest.Viewer)
	assertShape(t, lr.Body, "list-evidence.json")
	list := plugintest.Decode[plugin.ListResponse](t, lr)
	if len(list.Captures) != 1 || list.Captures[0].TopFunction == nil || list.Captures[0].Focus != "all" || len(list.Captures[0].EvidenceKinds) != 3 {
		t.Errorf("list %s", lr.Body)
	}
}

// TestFocusFromLabelSettingAndBody: the alert's capture label, else the org's defaultCapture,
// chooses the focus; Capture now takes it in its body; an unknown value is a recorded skip
// (webhook) or a 400 (Capture now) naming the valid ones.
func TestFocusFromLabelSettingAndBody(t *testing.T) {
	hook := func(label string) []byte {
		labels := map[string]string{"alertname": "Mem", "namespace": "shop", "pod": "cart-0", "container": "app"}
		if label != "" {
			labels["capture"] = label
		}
		b, _ := json.Marshal(map[string]any{"version": "1", "status": "firing", "alerts": []any{map[string]any{
			"status": "firing", "labels": labels, "startsAt": "2026-11-22T10:30:00Z"}}})
		return b
	}
	tests := []struct {
		name       string
		settings   map[string]any
		path       string
		body       []byte
		wantStatus int
		wantFocus  string // of the stored capture
		wantSkip   string
	}{
		{name: "label", path: "/webhook", body: hook("memory"), wantStatus: http.StatusAccepted, wantFocus: "memory"},
		{name: "legacy label threads", path: "/webhook", body: hook("threads"), wantStatus: http.StatusAccepted, wantFocus: "cpu"},
		{name: "no label: default cpu", path: "/webhook", body: hook(""), wantStatus: http.StatusAccepted, wantFocus: "cpu"},
		{name: "no label: org default", settings: map[string]any{"defaultCapture": "all"}, path: "/webhook", body: hook(""), wantStatus: http.StatusAccepted, wantFocus: "all"},
		{name: "label wins over the org default", settings: map[string]any{"defaultCapture": "all"}, path: "/webhook", body: hook("cpu"), wantStatus: http.StatusAccepted, wantFocus: "cpu"},
		{name: "unknown label", path: "/webhook", body: hook("disk"), wantStatus: http.StatusAccepted, wantFocus: "cpu", wantSkip: "use one of cpu, memory, all"},
		{name: "capture now", path: "/captures", body: []byte(`{"namespace":"shop","pod":"cart-0","focus":"memory"}`), wantStatus: http.StatusAccepted, wantFocus: "memory"},
		{name: "capture now: org default", settings: map[string]any{"defaultCapture": "memory"}, path: "/captures", body: []byte(`{"namespace":"shop","pod":"cart-0"}`), wantStatus: http.StatusAccepted, wantFocus: "memory"},
		{name: "capture now: unknown", path: "/captures", body: []byte(`{"namespace":"shop","pod":"cart-0","focus":"disk"}`), wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta := newTestApp(t, tt.settings)
			r := plugintest.Call(t, ta.app, http.MethodPost, tt.path, tt.body, plugintest.Editor)
			if r.Status != tt.wantStatus {
				t.Fatalf("POST %s: %d %s", tt.path, r.Status, r.Body)
			}
			if tt.wantStatus != http.StatusAccepted {
				if !strings.Contains(string(r.Body), "use one of cpu, memory, all") {
					t.Errorf("refusal %q does not name the foci", r.Body)
				}
				return
			}
			sub := plugintest.Decode[plugin.SubmitResponse](t, r)
			list := plugintest.Get[plugin.ListResponse](t, ta.app, "/captures", plugintest.Viewer)
			if len(list.Captures) != 1 || list.Captures[0].Focus != tt.wantFocus {
				t.Fatalf("stored %s, want one capture of focus %s", mustJSON(t, list.Captures), tt.wantFocus)
			}
			if tt.wantSkip != "" {
				if len(sub.Skipped) != 1 || !strings.Contains(sub.Skipped[0].Reason, tt.wantSkip) || list.Captures[0].Status != "skipped" {
					t.Errorf("answer %s, stored %s", r.Body, mustJSON(t, list.Captures))
				}
			} else if len(sub.Accepted) != 1 {
				t.Errorf("answer %s, want one accepted", r.Body)
			}
		})
	}
}

func TestDefaultCaptureSettingIsChecked(t *testing.T) {
	for value, ok := range map[string]bool{"": true, "cpu": true, "memory": true, "all": true, "disk": false, "threads": false} {
		s, err := plugin.ParseSettings([]byte(`{"defaultCapture": ` + mustJSON(t, value) + `}`))
		switch {
		case ok && err != nil:
			t.Errorf("defaultCapture %q: %v", value, err)
		case !ok && (err == nil || !strings.Contains(err.Error(), "use one of cpu, memory, all")):
			t.Errorf("defaultCapture %q: %v, want a refusal naming the foci", value, err)
		case ok && value == "" && s.DefaultCapture != evidence.FocusCPU:
			t.Errorf("default defaultCapture %q, want cpu", s.DefaultCapture)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNodeAlertNeedsTheKubeletSetting: a node alert (a node label, no pod) is a recorded skip
// saying how to enable the kubelet's profiles, unless the server admin did; then it is a
// capture of the node.
func TestNodeAlertNeedsTheKubeletSetting(t *testing.T) {
	hook := []byte(`{"version":"1","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"KubeletCPU","node":"worker-1"},"startsAt":"2026-11-22T10:30:00Z"}]}`)
	for _, allowed := range []bool{false, true} {
		t.Run(fmt.Sprint("allowed=", allowed), func(t *testing.T) {
			srv := kubetest.NewServer(t)
			var opts []plugintest.Option
			if allowed {
				opts = append(opts, plugintest.WithServer(map[string]string{"allow_kubelet_pprof": "true"}))
			}
			a := plugintest.NewApp(t, plugintest.KubeFor(srv.RESTConfig()), nil, opts...)
			r := plugintest.Call(t, a, http.MethodPost, "/webhook", hook, plugintest.Editor)
			sub := plugintest.Decode[plugin.SubmitResponse](t, r)
			if !allowed {
				if len(sub.Accepted) != 0 || len(sub.Skipped) != 1 || !strings.Contains(sub.Skipped[0].Reason, "allow_kubelet_pprof = true") {
					t.Fatalf("answer %s, want a skip naming allow_kubelet_pprof", r.Body)
				}
				list := plugintest.Get[plugin.ListResponse](t, a, "/captures", plugintest.Viewer)
				if len(list.Captures) != 1 || list.Captures[0].Status != "skipped" || list.Captures[0].Node != "worker-1" {
					t.Fatalf("recorded %s", mustJSON(t, list.Captures))
				}
				return
			}
			if len(sub.Accepted) != 1 || sub.Accepted[0].Pod != "" {
				t.Fatalf("answer %s, want the node accepted", r.Body)
			}
			d := plugintest.WaitFinished(t, a, sub.Accepted[0].ID)
			// No kubelet answers behind nodes/proxy here: the pprof room says why, as a failure.
			if d.Node != "worker-1" || d.Pod != "" || len(d.Evidence) == 0 || d.Evidence[0].Failure == nil {
				t.Fatalf("node capture %s: %s, evidence %s", d.Status, d.Error, mustJSON(t, d.Evidence))
			}
		})
	}
}
