package alert

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafeURL(t *testing.T) {
	tests := []struct {
		raw  string
		keep bool
	}{
		{"http://grafana.example/d/abc/x?orgId=1&viewPanel=2", true},
		{"https://grafana.example:3000/alerting/grafana/uid/view", true},
		{"HTTPS://grafana.example/d/abc", true},
		{"", false},
		{"javascript:alert(document.cookie)", false},
		{"JavaScript:alert(1)", false},
		{"  javascript:alert(1)", false},
		{"\tjavascript:alert(1)", false},
		{"java\nscript:alert(1)", false},
		{"jav\tascript:alert(1)", false},
		{"\x00javascript:alert(1)", false},
		{"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", false},
		{"vbscript:msgbox(1)", false},
		{"VBScript:msgbox(1)", false},
		{"file:///etc/passwd", false},
		{"ftp://grafana.example/x", false},
		{"//evil.example/x", false},              // scheme-relative: takes the page's scheme, host unchecked
		{"/d/abc?orgId=1", false},                // relative: not what Grafana sends
		{"http:alert(1)", false},                 // no host
		{"http://grafana.example/\u2028", false}, // line separator
		{"https://a.example/" + strings.Repeat("x", MaxURLBytes), false},
	}
	for _, tt := range tests {
		got := SafeURL(tt.raw)
		if tt.keep && got != tt.raw || !tt.keep && got != "" {
			t.Errorf("SafeURL(%q) = %q, want kept %v", tt.raw, got, tt.keep)
		}
	}
}

func TestKeepFiltersURLs(t *testing.T) {
	w := &Webhook{Version: "1", Alerts: []WebhookAlert{{
		Status: "firing",
		Labels: map[string]string{"alertname": "cpu", "namespace": "a", "pod": "p"},
		// Every URL field an alert carries that the capture keeps.
		GeneratorURL: "javascript:alert(1)",
		DashboardURL: " data:text/html,<script>alert(1)</script>",
		PanelURL:     "vbscript:msgbox(1)/d/uid?viewPanel=3",
	}}}
	targets, _ := Targets(w, DefaultLabelNames())
	if len(targets) != 1 {
		t.Fatalf("targets %+v", targets)
	}
	a := targets[0].Alert
	if a.GeneratorURL != "" || a.DashboardURL != "" || a.PanelURL != "" || a.DashboardUID != "" || a.PanelID != 0 {
		t.Errorf("kept %+v, want no URL nor anything read from one", a)
	}
	w.Alerts[0].GeneratorURL = "http://g.example/alerting/grafana/r1/view"
	w.Alerts[0].PanelURL = "http://g.example/d/uid1/x?viewPanel=3"
	targets, _ = Targets(w, DefaultLabelNames())
	if a := targets[0].Alert; a.GeneratorURL != w.Alerts[0].GeneratorURL || a.PanelURL != w.Alerts[0].PanelURL || a.DashboardUID != "uid1" || a.PanelID != 3 {
		t.Errorf("kept %+v, want the http URLs and their panel", a)
	}
}

func TestQuoteBounded(t *testing.T) {
	long := strings.Repeat("ä", 100*1024) // 200 KiB of two-byte runes
	got := QuoteBounded(long)
	if len(got) > 2*quotePrefixBytes+40 || !strings.Contains(got, "(204800 bytes)") || !utf8.ValidString(got) {
		t.Errorf("QuoteBounded(200 KiB) = %q", got)
	}
	if got := QuoteBounded("p-1"); got != `"p-1"` {
		t.Errorf("QuoteBounded(short) = %s", got)
	}
}

// TestTargetsHugeNames: a name of 100 KB in any label is refused before anything else, and no
// reason, skip record or kept alert repeats it whole.
func TestTargetsHugeNames(t *testing.T) {
	huge := strings.Repeat("a", 100*1024)
	tests := []struct {
		name    string
		labels  map[string]string
		status  string
		wantWhy string
	}{
		{"namespace", map[string]string{"namespace": huge, "pod": "p"}, "firing", "invalid namespace name"},
		{"pod", map[string]string{"namespace": "a", "pod": huge}, "firing", "invalid pod name"},
		{"container", map[string]string{"namespace": "a", "pod": "p", "container": huge}, "firing", "invalid container name"},
		{"pod of 254", map[string]string{"namespace": "a", "pod": strings.Repeat("p", 254)}, "firing", "no more than 253"},
		{"namespace of 64", map[string]string{"namespace": strings.Repeat("n", 64), "pod": "p"}, "firing", "no more than 63"},
		{"huge pod, no namespace", map[string]string{"pod": huge}, "firing", "invalid pod name"},
		{"huge status", map[string]string{"namespace": "a", "pod": "p"}, huge, "only firing alerts"},
		{"huge alertname", map[string]string{"namespace": "a", "pod": "p", "alertname": "DatasourceError" + huge, "container": huge}, "firing", "invalid container name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := tt.labels["alertname"]; !ok {
				tt.labels["alertname"] = "cpu"
			}
			w := &Webhook{Version: "1", Alerts: []WebhookAlert{{Status: tt.status, Labels: tt.labels}}}
			targets, skipped := Targets(w, DefaultLabelNames())
			if len(targets) != 0 || len(skipped) != 1 {
				t.Fatalf("%d targets, %d skipped, want one skip", len(targets), len(skipped))
			}
			s := skipped[0]
			if !strings.Contains(s.Reason, tt.wantWhy) || len(s.Reason) > 600 {
				t.Errorf("reason (%d bytes) %.300q, want a short one containing %q", len(s.Reason), s.Reason, tt.wantWhy)
			}
			if len(s.Namespace)+len(s.Pod)+len(s.Container) > 253+63+63 || len(s.AlertName) > MaxLabelValueBytes+40 {
				t.Errorf("skip record keeps %d+%d+%d bytes of names, alertname %d", len(s.Namespace), len(s.Pod), len(s.Container), len(s.AlertName))
			}
			if s.Alert != nil {
				for k, v := range s.Alert.Labels {
					if len(v) > MaxLabelValueBytes+40 {
						t.Errorf("kept label %s of %d bytes", k, len(v))
					}
				}
			}
		})
	}
}

func TestCapLabels(t *testing.T) {
	big := strings.Repeat("v", 420*1024)
	labels := map[string]string{"alertname": "cpu", "namespace": "a", "pod": "p", "container": "c", "team": big}
	for i := range 200 {
		labels["extra_"+string(rune('a'+i%26))+strings.Repeat("x", i)] = "1"
	}
	kept := capLabels(labels, DefaultLabelNames())
	if len(kept) != MaxLabels+1 {
		t.Errorf("kept %d labels, want %d and the cut note", len(kept), MaxLabels+1)
	}
	for _, k := range []string{"alertname", "namespace", "pod", "container"} {
		if kept[k] != labels[k] {
			t.Errorf("label %s = %q, want %q: target labels are kept first", k, kept[k], labels[k])
		}
	}
	if v, ok := kept["team"]; ok && (len(v) > MaxLabelValueBytes+40 || !strings.Contains(v, "[cut, 430080 bytes]")) {
		t.Errorf("team label kept as %d bytes: %.80q…", len(v), v)
	}
	if note := kept[CutLabelsKey]; !strings.Contains(note, "141 of 205 labels not kept") {
		t.Errorf("cut note %q", note)
	}
	total := 0
	for k, v := range kept {
		total += len(k) + len(v)
	}
	if total > MaxLabels*(MaxLabelNameBytes+MaxLabelValueBytes+80) {
		t.Errorf("kept labels total %d bytes", total)
	}

	// A label value over the cap that survives the count: cut at a rune boundary and marked.
	kept = capLabels(map[string]string{"pod": "p", "team": strings.Repeat("é", 1000)}, DefaultLabelNames())
	if v := kept["team"]; !utf8.ValidString(v) || !strings.HasSuffix(v, "… [cut, 2000 bytes]") || len(v) > MaxLabelValueBytes+40 {
		t.Errorf("team = %d bytes %q…", len(v), v[:20])
	}
	if capLabels(nil, DefaultLabelNames()) != nil {
		t.Error("nil labels became non-nil")
	}
}
