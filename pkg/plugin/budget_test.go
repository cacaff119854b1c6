package plugin

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"k8s.io/client-go/rest"

	"github.com/seed/stackcapture/pkg/kube"
)

// TestManagersShareOneOutputBudget: the budget bounds the process's memory, so every manager
// of the process (each cluster's, each set of org capture settings') draws from the one the
// server configuration sizes.
func TestManagersShareOneOutputBudget(t *testing.T) {
	dir := t.TempDir()
	rt := newRuntime(context.Background(), Deps{
		Logger:  log.NewNullLogger(),
		DataDir: func() (string, error) { return dir, nil },
		NewKube: func(ClusterConfig, ServerConfig) (KubeClient, error) {
			return kube.NewForConfig(&rest.Config{Host: "http://127.0.0.1:1"})
		},
		Environ: func() []string {
			return []string{"GF_PLUGIN_DATABASE_PATH=" + filepath.Join(dir, "captures.db"), "GF_PLUGIN_CLUSTER_DEFAULT_NAMESPACES=*",
				"GF_PLUGIN_OUTPUT_BUDGET_BYTES=" + "104857600"}
		},
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := rt.close(ctx); err != nil {
			t.Errorf("close runtime: %v", err)
		}
	})
	if rt.broken != nil {
		t.Fatal(rt.broken)
	}
	org1, err := ParseSettings([]byte(`{"captureTimeout": "30s"}`))
	if err != nil {
		t.Fatal(err)
	}
	org2, err := ParseSettings([]byte(`{"captureTimeout": "45s", "maxOutputBytes": 1048576}`))
	if err != nil {
		t.Fatal(err)
	}
	cl := rt.clusters["default"]
	m1, m2 := rt.manager(context.Background(), cl, org1), rt.manager(context.Background(), cl, org2)
	if m1 == m2 {
		t.Fatal("different capture settings share a manager: the test shows nothing")
	}
	if m1.Budget() != m2.Budget() || m1.Budget() != rt.budget {
		t.Fatal("managers of one process have budgets of their own")
	}
	if got := rt.budget.Limit(); got != 100<<20 {
		t.Errorf("budget limit %d, want output_budget_bytes %d", got, 100<<20)
	}
}
