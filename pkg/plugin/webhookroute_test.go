package plugin_test

import (
	"net/http"
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
	// The policy routes the rule's label to this contact point.
	rule := f.Groups[0].Rules[0]
	routed := false
	for _, p := range f.Policies {
		for _, route := range p.Routes {
			for _, m := range route.ObjectMatchers {
				if route.Receiver == "Stack Capture" && len(m) == 3 && m[1] == "=" && rule.Labels[m[0]] == m[2] {
					routed = true
				}
			}
		}
	}
	if !routed {
		t.Errorf("no policy route sends the rule's labels %v to the Stack Capture contact point", rule.Labels)
	}
}
