//go:build integration

// Package integration runs the plugin against a real kube-apiserver (with etcd, RBAC and
// service-account tokens) whose only node is played by kwok: exec requests go from the
// plugin's client through the API server to kwok, which runs the probe on this machine
// against real JVMs. Build tag `integration`; run with `go tool mage -v testIntegration`
// or `go test -tags integration ./test/integration/`. The first run builds etcd,
// kube-apiserver and kwok from the Go module proxy into a cache outside the repository.
package integration

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/test/integration/clusterbin"
)

// The versions of the cluster's programs, as the tests name them.
const (
	kubeVersion = clusterbin.KubeVersion
	etcdVersion = clusterbin.EtcdVersion
	kwokVersion = clusterbin.KwokVersion
)

// shared is the cluster every test of the package uses. TestMain sets it once before any
// test runs and never again; tests only read it (through clusterFor).
var shared *cluster

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	// A cold build of the three programs takes minutes; this bounds a hung download.
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	root, err := clusterbin.CacheRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	buildStart := time.Now()
	bins, err := clusterbin.Ensure(ctx, root, func(format string, args ...any) {
		fmt.Printf("integration: "+format+"\n", args...)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	switch {
	case bins.Waited > 0 && len(bins.Built) == 0:
		fmt.Printf("integration: etcd %s, kube-apiserver %s, kwok %s built by another process (the test command starts the build) into %s; waited %s for them\n",
			etcdVersion, kubeVersion, kwokVersion, root, bins.Waited.Round(time.Second))
	case len(bins.Built) == 0:
		fmt.Printf("integration: etcd %s, kube-apiserver %s, kwok %s from the cache %s (%s)\n",
			etcdVersion, kubeVersion, kwokVersion, root, time.Since(buildStart).Round(time.Millisecond))
	default:
		fmt.Printf("integration: built into %s in %s: %s\n", root, time.Since(buildStart).Round(time.Second), strings.Join(bins.Built, ", "))
	}

	dir, err := os.MkdirTemp("", "stackcapture-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	c, err := startCluster(ctx, bins, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration: start the cluster:", err)
		return 1
	}
	defer c.stop()
	fmt.Printf("integration: etcd, kube-apiserver and kwok up; first exec through the API server worked after %s\n",
		c.startedToExec.Round(time.Millisecond))

	// The plugin's RBAC exactly as shipped, in the namespace the file names.
	if err := c.createNamespace(ctx, shippedNamespace); err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	if err := c.applyFile(ctx, clusterRBACFile, nil); err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	shared = c
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "integration: the end of each program's log:\n%s", c.logTails())
	}
	return code
}

// clusterFor returns the shared cluster.
func clusterFor(t testing.TB) *cluster {
	t.Helper()
	if shared == nil {
		t.Fatal("the integration cluster is not running (TestMain did not start it)")
	}
	return shared
}
