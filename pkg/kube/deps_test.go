package kube_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestPluginLinksOnlyTheAPIGroupsItUses guards the plugin's idle memory: client-go's
// generated clients (any of them, even core/v1 alone) import k8s.io/client-go/kubernetes/scheme,
// which registers every API group at start-up and links their types, apply configurations and
// the OpenAPI models: 16 MB more binary and about 14 MB more idle RSS
// (bench/BenchmarkPluginIdleRSS). The plugin binary must reach Kubernetes through pkg/kube's own
// REST clients, with core/v1 and authorization/v1 only.
func TestPluginLinksOnlyTheAPIGroupsItUses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the plugin's dependencies")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "list", "-deps", "github.com/seed/stackcapture/pkg").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	allowed := map[string]bool{"k8s.io/api/core/v1": true, "k8s.io/api/authorization/v1": true}
	for _, pkg := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(pkg, "k8s.io/client-go/kubernetes"):
			t.Errorf("the plugin links %s: use pkg/kube's REST clients, not client-go's generated ones", pkg)
		case strings.HasPrefix(pkg, "k8s.io/api/") && !allowed[pkg]:
			t.Errorf("the plugin links the API group %s: register only the groups it calls (pkg/kube/client.go)", pkg)
		case strings.HasPrefix(pkg, "k8s.io/client-go/applyconfigurations"), strings.HasPrefix(pkg, "github.com/google/gnostic-models"):
			t.Errorf("the plugin links %s, which only client-go's generated clients need", pkg)
		}
	}
}
