package plugin_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
)

// The plugin's metrics are served by the SDK's CollectMetrics, which is what Grafana exposes
// at /api/plugins/<id>/metrics: a capture made through the API shows up there.
func TestCollectMetricsServesCaptureCounts(t *testing.T) {
	srv := kubetest.NewServer(t)
	a := plugintest.NewApp(t, plugintest.KubeFor(srv.RESTConfig()), map[string]any{})
	sub := plugintest.Decode[plugin.SubmitResponse](t, plugintest.Call(t, a, "POST", "/captures",
		[]byte(`{"namespace":"shop","pod":"gone-0","container":"c"}`), plugintest.Editor))
	if len(sub.Accepted) != 1 {
		t.Fatalf("submit: %+v", sub)
	}
	if d := plugintest.WaitFinished(t, a, sub.Accepted[0].ID); d.Status != "failed" {
		t.Fatalf("capture of a missing pod: status %s", d.Status)
	}

	opts, err := backend.GRPCServeOpts(backend.ServeOpts{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := opts.DiagnosticsServer.CollectMetrics(ctx, &pluginv2.CollectMetricsRequest{})
	if err != nil {
		t.Fatalf("CollectMetrics: %v", err)
	}
	text := string(res.GetMetrics().GetPrometheus())
	for _, want := range []string{
		`stackcapture_captures_total{outcome="failed",reason="not_found"}`,
		"stackcapture_capture_phase_seconds_count{phase=\"lookup\"}",
		"stackcapture_database_bytes ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("CollectMetrics has no %s", want)
		}
	}
}
