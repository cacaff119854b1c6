package alert

import (
	"strings"
	"testing"

	"github.com/seed/stackcapture/pkg/evidence"
)

func TestTargetsReadTheCaptureLabel(t *testing.T) {
	pod := map[string]string{"namespace": "shop", "pod": "cart-0", "container": "app"}
	with := func(v string) map[string]string {
		l := map[string]string{"capture": v}
		for k, val := range pod {
			l[k] = val
		}
		return l
	}
	tests := []struct {
		name       string
		labels     map[string]string
		want       evidence.Focus
		wantReason string // non-empty: a recorded skip with this in its reason
	}{
		{"absent: the org default applies later", pod, "", ""},
		{"empty: the org default", with("  "), "", ""},
		{"cpu", with("cpu"), evidence.FocusCPU, ""},
		{"memory, any case and space", with(" Memory "), evidence.FocusMemory, ""},
		{"all", with("all"), evidence.FocusAll, ""},
		{"threads, as provisioned rules before foci carry", with("threads"), evidence.FocusCPU, ""},
		{"unknown", with("disk"), "", `unknown capture label "disk": use one of cpu, memory, all`},
		{"huge unknown value is bounded", with(strings.Repeat("x", 100_000)), "", "use one of cpu, memory, all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targets, skipped := Targets(&Webhook{Version: "1", OrgID: 1, Alerts: []WebhookAlert{firing(tt.labels)}}, DefaultLabelNames())
			if tt.wantReason != "" {
				if len(targets) != 0 || len(skipped) != 1 || !skipped[0].Record || !strings.Contains(skipped[0].Reason, tt.wantReason) {
					t.Fatalf("targets %+v, skipped %+v; want one recorded skip with %q", targets, skipped, tt.wantReason)
				}
				if len(skipped[0].Reason) > 1000 {
					t.Fatalf("reason of %d bytes: the label value is not bounded", len(skipped[0].Reason))
				}
				return
			}
			if len(targets) != 1 || len(skipped) != 0 || targets[0].Focus != tt.want {
				t.Fatalf("targets %+v, skipped %+v; want one with focus %q", targets, skipped, tt.want)
			}
		})
	}
}

// Two alerts on one target in one notification are one capture taking what both ask for.
func TestDuplicateTargetsJoinTheirFoci(t *testing.T) {
	alertWith := func(focus string) WebhookAlert {
		return firing(map[string]string{"namespace": "shop", "pod": "cart-0", "container": "app", "capture": focus})
	}
	tests := []struct {
		a, b string
		want evidence.Focus
	}{
		{"cpu", "cpu", evidence.FocusCPU},
		{"cpu", "memory", evidence.FocusAll},
		{"memory", "", evidence.FocusAll},
		{"memory", "memory", evidence.FocusMemory},
	}
	for _, tt := range tests {
		targets, _ := Targets(&Webhook{Version: "1", Alerts: []WebhookAlert{alertWith(tt.a), alertWith(tt.b)}}, DefaultLabelNames())
		if len(targets) != 1 || targets[0].Focus != tt.want {
			t.Errorf("%q + %q: targets %+v, want one with focus %q", tt.a, tt.b, targets, tt.want)
		}
	}
}

// A node alert (a node label and no pod) targets the node's kubelet; one without a node
// either is skipped as before.
func TestNodeAlertTargetsTheNode(t *testing.T) {
	targets, skipped := Targets(&Webhook{Version: "1", Alerts: []WebhookAlert{
		firing(map[string]string{"alertname": "KubeletCPU", "node": "worker-1", "capture": "cpu"}),
		firing(map[string]string{"alertname": "KubeletCPU", "node": "worker-1"}), // the same node again
		firing(map[string]string{"alertname": "NoTarget", "namespace": "shop"}),
	}}, DefaultLabelNames())
	if len(targets) != 1 || targets[0].Pod != "" || targets[0].Node != "worker-1" || targets[0].Focus != evidence.FocusAll {
		t.Fatalf("targets %+v, want the node worker-1 once (cpu + default = all)", targets)
	}
	if len(skipped) != 2 || !strings.Contains(skipped[0].Reason, "duplicate") || !strings.Contains(skipped[1].Reason, `no pod (label "pod")`) {
		t.Fatalf("skipped %+v", skipped)
	}
}
