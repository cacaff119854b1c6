package plugin_test

import (
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
)

// The grants of the new evidence are optional: without one, the check warns naming the
// evidence captures go without, and the whole check stays OK. nodes/proxy is asked about only
// when the server admin turned allow_kubelet_pprof on, cluster-wide.
func TestHealthCheckEvidenceGrants(t *testing.T) {
	tests := []struct {
		name         string
		kubeletPprof bool
		deny         [][3]string
		// want is the status of each named check; "" means the check must be absent.
		want map[string]string
		// lost are words each warning must say, by check.
		lost map[string][]string
	}{
		{
			name: "every grant held, kubelet profiles off",
			want: map[string]string{"get pods/proxy": "ok", "list events": "ok", "get nodes/proxy": ""},
		},
		{
			name: "no pods/proxy and no events: warnings naming the lost evidence",
			deny: [][3]string{{"get", "pods", "proxy"}, {"list", "events", ""}},
			want: map[string]string{"get pods/proxy": "warning", "list events": "warning", "create pods/exec": "ok"},
			lost: map[string][]string{
				"get pods/proxy": {"go-cpu", "go-goroutines", "go-heap", `grant "get" on "pods/proxy"`, "namespace shop", "namespace pay", "forbidden"},
				"list events":    {"pod-story", `grant "list" on "events"`, "forbidden"},
			},
		},
		{
			name:         "kubelet profiles on and granted",
			kubeletPprof: true,
			want:         map[string]string{"get nodes/proxy": "ok"},
		},
		{
			name:         "kubelet profiles on without nodes/proxy: a warning, asked cluster-wide",
			kubeletPprof: true,
			deny:         [][3]string{{"get", "nodes", "proxy"}},
			want:         map[string]string{"get nodes/proxy": "warning", "get pods/proxy": "ok"},
			lost: map[string][]string{
				"get nodes/proxy": {"the cluster", "kubelet-pprof.yaml", "allow_kubelet_pprof", "kubelet"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := kubetest.NewServer(t)
			for _, d := range tt.deny {
				srv.Deny(d[0], d[1], d[2])
			}
			var opts []plugintest.Option
			if tt.kubeletPprof {
				opts = append(opts, plugintest.WithServer(map[string]string{"allow_kubelet_pprof": "true"}))
			}
			a := plugintest.NewApp(t, plugintest.KubeFor(srv.RESTConfig()), map[string]any{"allowedNamespaces": []string{"shop", "pay"}}, opts...)
			res, checks := healthOf(t, a)
			if res.Status != backend.HealthStatusOk {
				t.Errorf("health %v %q: a missing optional grant must not fail the check", res.Status, res.Message)
			}
			for name, want := range tt.want {
				c, ok := checks[name]
				switch {
				case want == "" && ok:
					t.Errorf("check %q present: %+v", name, c)
				case want != "" && c.Status != want:
					t.Errorf("check %q = %+v, want status %s", name, c, want)
				}
			}
			for name, words := range tt.lost {
				for _, w := range words {
					if !strings.Contains(checks[name].Message, w) {
						t.Errorf("check %q says %q, without %q", name, checks[name].Message, w)
					}
				}
			}
			warned := false
			for _, c := range checks {
				warned = warned || c.Status == "warning"
			}
			if warned != strings.Contains(res.Message, "warn") {
				t.Errorf("health message %q does not say whether checks warn (warned: %v)", res.Message, warned)
			}
		})
	}
}
