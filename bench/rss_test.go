package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
)

// settle is how long the plugin idles before its RSS is read.
const settle = 5 * time.Second

// BenchmarkPluginIdleRSS builds the plugin binary as the SDK's build does, starts it the way Grafana
// does (go-plugin's handshake environment, gRPC over the unix socket it announces), and reads
// its VmRSS after it idles: first bare, then with an app instance (settings, SQLite database,
// Kubernetes client) created by a health check, as after Grafana's first call.
func BenchmarkPluginIdleRSS(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "gpx_stackcapture")
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	// The flags of the SDK's build (`go tool mage backend`): the shipped binary, not a debug build.
	build := exec.CommandContext(ctx, "go", "build", "-tags", "arrow_json_stdlib", "-ldflags", "-w -s", "-o", bin, "./pkg")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build ./pkg: %v\n%s", err, out)
	}
	srv := kubetest.NewServer(b)
	kubeconfig := filepath.Join(b.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: kubetest, cluster: {server: %q}}]
users: [{name: bench, user: {}}]
contexts: [{name: bench, context: {cluster: kubetest, user: bench}}]
current-context: bench
`, srv.URL())), 0o600); err != nil {
		b.Fatal(err)
	}
	var bare, withInstance, anon []float64
	for b.Loop() {
		bareKB, instKB, anonKB := pluginRSS(b, bin, kubeconfig)
		bare = append(bare, float64(bareKB)/1024)
		withInstance = append(withInstance, float64(instKB)/1024)
		anon = append(anon, float64(anonKB)/1024)
	}
	b.ReportMetric(median(bare), "bare-RSS-MB")
	b.ReportMetric(median(withInstance), "idle-RSS-MB")
	// The rest of the RSS is the binary's own pages (file-backed, shared, reclaimable).
	b.ReportMetric(median(anon), "idle-anon-MB")
}

func median(xs []float64) float64 {
	ds := make([]time.Duration, len(xs))
	for i, x := range xs {
		ds[i] = time.Duration(x * 1e6)
	}
	return float64(percentile(ds, 50)) / 1e6
}

// pluginRSS runs the plugin once and returns its VmRSS in kB, bare and with an instance, and
// the anonymous part of the latter.
func pluginRSS(b *testing.B, bin, kubeconfig string) (bareKB, instanceKB, anonKB int64) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	// What go-plugin's server checks, as Grafana sets it: the SDK's magic cookie and protocol version.
	// The server configuration as Grafana passes [plugin.seed-stackcapture-app]: GF_PLUGIN_*.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + b.TempDir(), "TMPDIR=" + b.TempDir(),
		"grafana_plugin_type=datasource", "PLUGIN_PROTOCOL_VERSIONS=2",
		"GF_PLUGIN_DATABASE_PATH=" + filepath.Join(b.TempDir(), "captures.db"),
		"GF_PLUGIN_CLUSTER_DEFAULT_KUBECONFIG=" + kubeconfig,
		"GF_PLUGIN_CLUSTER_DEFAULT_NAMESPACES=*"}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		b.Fatalf("start plugin: %v", err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	// go-plugin announces "core-version|app-version|network|address|protocol|…" on stdout.
	lines := bufio.NewReader(stdout)
	hello, err := lines.ReadString('\n')
	if err != nil {
		b.Fatalf("plugin handshake: %v (read %q)", err, hello)
	}
	go func() { _, _ = io.Copy(io.Discard, lines) }()
	parts := strings.Split(strings.TrimSpace(hello), "|")
	if len(parts) < 5 || parts[2] != "unix" || parts[4] != "grpc" {
		b.Fatalf("plugin handshake %q: want a gRPC unix socket", hello)
	}
	conn, err := grpc.NewClient("unix:"+parts[3], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatalf("dial plugin: %v", err)
	}
	defer conn.Close()

	time.Sleep(settle)
	if bareKB, err = statusKB(cmd.Process.Pid, "VmRSS"); err != nil {
		b.Fatal(err)
	}
	settings, err := json.Marshal(map[string]any{})
	if err != nil {
		b.Fatal(err)
	}
	res, err := pluginv2.NewDiagnosticsClient(conn).CheckHealth(ctx, &pluginv2.CheckHealthRequest{
		PluginContext: &pluginv2.PluginContext{OrgId: 1, PluginId: plugin.PluginID,
			AppInstanceSettings: &pluginv2.AppInstanceSettings{JsonData: settings, LastUpdatedMS: time.Now().UnixMilli()}},
	})
	if err != nil {
		b.Fatalf("CheckHealth over gRPC: %v", err)
	}
	if res.Status != pluginv2.CheckHealthResponse_OK {
		b.Fatalf("health %v: %s", res.Status, res.Message)
	}
	time.Sleep(settle)
	if instanceKB, err = statusKB(cmd.Process.Pid, "VmRSS"); err != nil {
		b.Fatal(err)
	}
	if anonKB, err = statusKB(cmd.Process.Pid, "RssAnon"); err != nil {
		b.Fatal(err)
	}
	return bareKB, instanceKB, anonKB
}
