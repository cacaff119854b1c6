package alert

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/sharedfixtures"
)

// fixture reads a real Grafana 12.4 webhook body from ../shared beside the repository.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	return sharedfixtures.Webhook(t, name)
}

func TestDecodeLinkedPanelFixture(t *testing.T) {
	w, err := Decode(fixture(t, "grafana-12.4-k8s-firing-linked-panel.json"))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	targets, skipped := Targets(w, DefaultLabelNames())
	if len(skipped) != 0 {
		t.Fatalf("skipped = %+v, want none", skipped)
	}
	if len(targets) != 1 {
		t.Fatalf("got %d targets, want 1", len(targets))
	}
	got := targets[0]
	if got.Namespace != "shop" || got.Pod != "checkout-7d9f8c6b5-x2x4q" || got.Container != "app" || got.Node != "worker-1" {
		t.Errorf("target = %s/%s/%s on %s", got.Namespace, got.Pod, got.Container, got.Node)
	}
	want := &Alert{
		AlertName:    "Pod CPU high",
		RuleUID:      "lab-k8s-cpu",
		Fingerprint:  "2f8e0c5478ece3fc",
		StartsAt:     time.Date(2026, 11, 22, 10, 33, 20, 0, time.UTC),
		Labels:       w.Alerts[0].Labels,
		Summary:      "Container CPU above 1 core",
		Values:       map[string]float64{"B": 4.427234478188382, "C": 1},
		GeneratorURL: "http://127.0.0.1:3000/alerting/grafana/lab-k8s-cpu/view?orgId=1",
		DashboardURL: "http://127.0.0.1:3000/d/lab-dash?from=1795340000000&orgId=1&to=1795343605014",
		PanelURL:     "http://127.0.0.1:3000/d/lab-dash?from=1795340000000&orgId=1&to=1795343605014&viewPanel=1",
		DashboardUID: "lab-dash",
		PanelID:      1,
		OrgID:        1,
	}
	if !reflect.DeepEqual(got.Alert, want) {
		t.Errorf("alert kept =\n%+v\nwant\n%+v", got.Alert, want)
	}
}

func TestTargetsSkipWithReason(t *testing.T) {
	tests := []struct {
		fixture    string
		wantReason string
	}{
		{"grafana-12.4-resolved.json", "alert is resolved"},
		{"grafana-12.4-k8s-datasource-error.json", "DatasourceError"},
		{"grafana-12.4-firing.json", `alert has no namespace (label "namespace") and no pod (label "pod")`},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			w, err := Decode(fixture(t, tt.fixture))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			targets, skipped := Targets(w, DefaultLabelNames())
			if len(targets) != 0 {
				t.Fatalf("targets = %+v, want none", targets)
			}
			if len(skipped) != len(w.Alerts) || len(skipped) == 0 {
				t.Fatalf("skipped %d of %d alerts", len(skipped), len(w.Alerts))
			}
			for _, s := range skipped {
				if !strings.Contains(s.Reason, tt.wantReason) {
					t.Errorf("reason %q does not contain %q", s.Reason, tt.wantReason)
				}
				if s.AlertName == "" {
					t.Errorf("skipped entry has no alertname: %+v", s)
				}
			}
		})
	}
}

func firing(labels map[string]string) WebhookAlert {
	return WebhookAlert{Status: "firing", Labels: labels}
}

func TestTargetsLabels(t *testing.T) {
	tests := []struct {
		name    string
		names   LabelNames
		labels  map[string]string
		want    *Target // nil: skipped
		wantWhy string
	}{
		{
			name:   "defaults",
			names:  DefaultLabelNames(),
			labels: map[string]string{"namespace": "a", "pod": "p-1", "container": "c", "node": "n1"},
			want:   &Target{Namespace: "a", Pod: "p-1", Container: "c", Node: "n1"},
		},
		{
			name:   "kubernetes_* alternates",
			names:  DefaultLabelNames(),
			labels: map[string]string{"kubernetes_namespace": "a", "kubernetes_pod_name": "p-1", "container_name": "c"},
			want:   &Target{Namespace: "a", Pod: "p-1", Container: "c"},
		},
		{
			name:  "exported_* win over the scrape target's labels",
			names: DefaultLabelNames(),
			labels: map[string]string{"namespace": "monitoring", "pod": "kube-state-metrics-0", "container": "ksm",
				"exported_namespace": "shop", "exported_pod": "web-0", "exported_container": "app"},
			want: &Target{Namespace: "shop", Pod: "web-0", Container: "app"},
		},
		{
			name:   "configured label names",
			names:  LabelNames{Namespace: "ns", Pod: "workload_pod", Container: "ctr", Node: "host"},
			labels: map[string]string{"ns": "a", "workload_pod": "p-1", "ctr": "c", "host": "n1"},
			want:   &Target{Namespace: "a", Pod: "p-1", Container: "c", Node: "n1"},
		},
		{
			name:   "pause container means probe the pod",
			names:  DefaultLabelNames(),
			labels: map[string]string{"namespace": "a", "pod": "p-1", "container": "POD"},
			want:   &Target{Namespace: "a", Pod: "p-1"},
		},
		{
			name:   "malformed node label is dropped, not fatal",
			names:  DefaultLabelNames(),
			labels: map[string]string{"namespace": "a", "pod": "p-1", "node": "10.0.0.1:10250"},
			want:   &Target{Namespace: "a", Pod: "p-1"},
		},
		{
			name:    "no pod",
			names:   DefaultLabelNames(),
			labels:  map[string]string{"namespace": "a"},
			wantWhy: `alert has no pod (label "pod")`,
		},
		{
			name:    "shell metacharacters",
			names:   DefaultLabelNames(),
			labels:  map[string]string{"namespace": "a", "pod": "p;rm -rf /"},
			wantWhy: `invalid pod name "p;rm -rf /"`,
		},
		{
			name:    "path traversal",
			names:   DefaultLabelNames(),
			labels:  map[string]string{"namespace": "../kube-system", "pod": "p"},
			wantWhy: `invalid namespace name "../kube-system"`,
		},
		{
			name:    "newline in container",
			names:   DefaultLabelNames(),
			labels:  map[string]string{"namespace": "a", "pod": "p", "container": "c\nd"},
			wantWhy: `invalid container name "c\nd"`,
		},
		{
			name:    "unicode pod name",
			names:   DefaultLabelNames(),
			labels:  map[string]string{"namespace": "a", "pod": "工作-0"},
			wantWhy: `invalid pod name "工作-0"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.labels["alertname"] = "cpu"
			w := &Webhook{Version: "1", Alerts: []WebhookAlert{firing(tt.labels)}}
			targets, skipped := Targets(w, tt.names)
			if tt.want == nil {
				if len(targets) != 0 || len(skipped) != 1 {
					t.Fatalf("targets %+v skipped %+v, want one skip", targets, skipped)
				}
				if !strings.Contains(skipped[0].Reason, tt.wantWhy) {
					t.Errorf("reason %q does not contain %q", skipped[0].Reason, tt.wantWhy)
				}
				if skipped[0].AlertName != "cpu" {
					t.Errorf("skipped alertname %q", skipped[0].AlertName)
				}
				return
			}
			if len(targets) != 1 {
				t.Fatalf("targets %+v skipped %+v, want one target", targets, skipped)
			}
			got := targets[0]
			got.Alert = nil
			if got != *tt.want {
				t.Errorf("target = %+v, want %+v", got, *tt.want)
			}
		})
	}
}

func TestTargetsDeduplicates(t *testing.T) {
	labels := func(container string) map[string]string {
		return map[string]string{"alertname": "cpu", "namespace": "a", "pod": "p", "container": container}
	}
	w := &Webhook{Version: "1", Alerts: []WebhookAlert{firing(labels("c")), firing(labels("c")), firing(labels("d"))}}
	targets, skipped := Targets(w, DefaultLabelNames())
	if len(targets) != 2 || targets[0].Container != "c" || targets[1].Container != "d" {
		t.Fatalf("targets = %+v, want c then d", targets)
	}
	if len(skipped) != 1 || !strings.Contains(skipped[0].Reason, "duplicate") {
		t.Fatalf("skipped = %+v, want one duplicate", skipped)
	}
}

func TestDecodeRejects(t *testing.T) {
	deep := strings.Repeat("[", 1000) + strings.Repeat("]", 1000)
	tests := []struct {
		name      string
		body      string
		notHook   bool // wraps ErrNotWebhook (valid JSON, wrong shape)
		wantInErr string
	}{
		{"empty", "", false, "empty body"},
		{"not JSON", "hello", false, "malformed JSON"},
		{"truncated", `{"alerts": [`, false, "malformed JSON"},
		{"array", `[]`, false, "malformed JSON"},
		{"no alerts", `{"version":"1"}`, true, `no "alerts" field`},
		{"no version", `{"alerts":[]}`, true, `no "version" field`},
		{"alertmanager payload", `{"version":"4","alerts":[]}`, true, `payload version "4"`},
		{"alerts not array", `{"version":"1","alerts":{}}`, true, "field alerts"},
		{"labels wrong type", `{"version":"1","alerts":[{"status":"firing","labels":{"pod":5}}]}`, true, "labels"},
		{"nested 1000 deep", `{"version":"1","alerts":[{"labels":` + deep + `}]}`, true, "labels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := Decode([]byte(tt.body))
			if err == nil {
				t.Fatalf("Decode accepted %q: %+v", tt.body, w)
			}
			if errors.Is(err, ErrNotWebhook) != tt.notHook {
				t.Errorf("errors.Is(err, ErrNotWebhook) = %v, want %v (err: %v)", !tt.notHook, tt.notHook, err)
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantInErr)
			}
		})
	}
}

func TestDecodeDuplicateKeysTakeTheLast(t *testing.T) {
	// encoding/json keeps the last of duplicated keys; what matters is that the pod
	// captured is the one a reader of the JSON would see last, consistently.
	w, err := Decode([]byte(`{"version":"1","alerts":[{"status":"firing","labels":{"namespace":"a","pod":"first","pod":"second"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	targets, _ := Targets(w, DefaultLabelNames())
	if len(targets) != 1 || targets[0].Pod != "second" {
		t.Fatalf("targets = %+v", targets)
	}
}

func TestPanelRef(t *testing.T) {
	tests := []struct {
		dashboardURL, panelURL string
		uid                    string
		panel                  int64
	}{
		{"http://g/d/abc?orgId=1", "http://g/d/abc?orgId=1&viewPanel=7", "abc", 7},
		{"http://g/d/abc/cpu-slug?orgId=1", "", "abc", 0},
		{"", "http://g/grafana/d/xyz/s?viewPanel=panel-12", "xyz", 12},
		{"", "", "", 0},
		{"http://g/alerting/list", "http://g/d/?viewPanel=x", "", 0},
		{"::not a url", "", "", 0},
	}
	for _, tt := range tests {
		uid, panel := PanelRef(tt.dashboardURL, tt.panelURL)
		if uid != tt.uid || panel != tt.panel {
			t.Errorf("PanelRef(%q, %q) = %q, %d; want %q, %d", tt.dashboardURL, tt.panelURL, uid, panel, tt.uid, tt.panel)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{
		"grafana-12.4-firing.json", "grafana-12.4-resolved.json",
		"grafana-12.4-k8s-firing-linked-panel.json", "grafana-12.4-k8s-datasource-error.json",
	} {
		f.Add(sharedfixtures.Webhook(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w, err := Decode(body)
		if err != nil {
			return
		}
		targets, skipped := Targets(w, DefaultLabelNames())
		if len(targets)+len(skipped) != len(w.Alerts) {
			t.Fatalf("%d targets + %d skipped != %d alerts", len(targets), len(skipped), len(w.Alerts))
		}
		for _, tg := range targets {
			if err := ValidateNames(tg.Namespace, tg.Pod, tg.Container); err != nil {
				t.Fatalf("invalid target passed: %v", err)
			}
		}
	})
}
