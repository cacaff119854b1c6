package plugin_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
)

// TestContactPointCallsTheWebhookRoute keeps the provisioned contact point in step with the
// routes (see consistency_test.go); it lives outside package plugin because it sends the call
// through plugintest, which imports plugin.
func TestContactPointCallsTheWebhookRoute(t *testing.T) {
	f := plugin.ReadAlerting(t)
	if len(f.ContactPoints) != 1 || f.ContactPoints[0].Name != "Stack Capture" || len(f.ContactPoints[0].Receivers) != 1 {
		t.Fatalf("contact points: %+v", f.ContactPoints)
	}
	r := f.ContactPoints[0].Receivers[0]
	wantPath := "/api/plugins/" + plugin.PluginID + "/resources/webhook"
	if r.Type != "webhook" || !strings.HasSuffix(r.Settings["url"], wantPath) || r.Settings["httpMethod"] != "POST" {
		t.Errorf("receiver %+v, want a POST webhook to …%s", r, wantPath)
	}
	if r.Settings["authorization_scheme"] != "Bearer" || !strings.HasPrefix(r.Settings["authorization_credentials"], "$") {
		t.Errorf("credentials must come from the environment: %+v", r.Settings)
	}
	// The route the URL names answers a webhook: not 404 or 405.
	ta := newTestApp(t, nil)
	res := plugintest.Call(t, ta.app, "POST", strings.TrimPrefix(wantPath, "/api/plugins/"+plugin.PluginID+"/resources"), []byte(`{"version":"1","alerts":[]}`), plugintest.Editor)
	if res.Status != http.StatusAccepted {
		t.Errorf("POST %s: %d %s", wantPath, res.Status, res.Body)
	}
	// The policy routes every provisioned rule with a capture label to this contact point, and
	// no other (the "captures failing" rule is for the operator, not a capture).
	captureRules := 0
	for _, g := range f.Groups {
		for _, rule := range g.Rules {
			_, wantsCapture := rule.Labels["capture"]
			if wantsCapture {
				captureRules++
			}
			if got := routedToStackCapture(t, f, rule.Labels); got != wantsCapture {
				t.Errorf("rule %q (labels %v) routed to the Stack Capture contact point: %v, want %v", rule.Title, rule.Labels, got, wantsCapture)
			}
		}
	}
	if captureRules < 2 {
		t.Errorf("%d provisioned rules carry a capture label, want the CPU and the memory rule", captureRules)
	}
}

// routedToStackCapture reports whether a policy route to the Stack Capture contact point
// matches labels: every object matcher of the route holds (Alertmanager's =, !=, =~, !~;
// regular expressions are anchored, and an absent label reads as "").
func routedToStackCapture(t *testing.T, f plugin.Alerting, labels map[string]string) bool {
	t.Helper()
	for _, p := range f.Policies {
		for _, route := range p.Routes {
			if route.Receiver != "Stack Capture" || len(route.ObjectMatchers) == 0 {
				continue
			}
			all := true
			for _, m := range route.ObjectMatchers {
				if len(m) != 3 {
					t.Fatalf("object matcher %v: want [label, op, value]", m)
				}
				v := labels[m[0]]
				var holds bool
				switch m[1] {
				case "=":
					holds = v == m[2]
				case "!=":
					holds = v != m[2]
				case "=~", "!~":
					re, err := regexp.Compile("^(?:" + m[2] + ")$")
					if err != nil {
						t.Fatalf("object matcher %v: %v", m, err)
					}
					holds = re.MatchString(v) == (m[1] == "=~")
				default:
					t.Fatalf("object matcher %v: unknown operator %q", m, m[1])
				}
				all = all && holds
			}
			if all {
				return true
			}
		}
	}
	return false
}
