// Package incluster starts the real plugin binary the way Grafana 12.4+ does — go-plugin's
// handshake, an environment holding only Grafana's GF_* variables (the plugin's grafana.ini
// section among them) and the proxy variables — and shows the in-cluster path reaching its
// API server with the mounted service-account token and CA, without KUBERNETES_SERVICE_HOST.
package incluster

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
)

// guard bounds the waits: a failure guard for a loaded machine, not a performance bound.
const guard = 3 * time.Minute

func TestPluginBinaryFindsItsAPIServerInCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "gpx_stackcapture")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/seed/stackcapture/pkg")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the plugin: %v\n%s", err, out)
	}

	// The API server: kubetest behind TLS, refusing any request without the mounted token.
	const token = "sa-token-from-the-mounted-file"
	kt := kubetest.NewServer(t)
	target, err := url.Parse(kt.URL())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string // Authorization headers that arrived
	proxy := httputil.NewSingleHostReverseProxy(target)
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)

	sa := filepath.Join(dir, "serviceaccount")
	if err := os.MkdirAll(sa, 0o755); err != nil {
		t.Fatal(err)
	}
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw})
	for name, content := range map[string][]byte{"token": []byte(token + "\n"), "ca.crt": ca} {
		if err := os.WriteFile(filepath.Join(sa, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// What Grafana 12.4+ puts in a plugin's environment: its own GF_* variables (the
	// [plugin.seed-stackcapture-app] keys as GF_PLUGIN_*), the proxy variables, and nothing
	// of the host's: no KUBERNETES_SERVICE_HOST/PORT even inside a pod.
	cmd := exec.Command(bin)
	cmd.Env = []string{
		"GF_VERSION=12.4.2", "GF_EDITION=Open Source", "GF_APP_URL=http://localhost:3000/",
		"GF_PLUGIN_CLUSTER_DEFAULT_TOKEN_FILE=" + filepath.Join(sa, "token"),
		"GF_PLUGIN_CLUSTER_DEFAULT_CA_FILE=" + filepath.Join(sa, "ca.crt"),
		"GF_PLUGIN_CLUSTER_DEFAULT_API_SERVER=" + api.URL,
		"GF_PLUGIN_CLUSTER_DEFAULT_NAMESPACES=shop",
		"GF_PLUGIN_DATABASE_PATH=" + filepath.Join(dir, "data", "captures.db"),
		"HTTP_PROXY=", "HTTPS_PROXY=", "NO_PROXY=127.0.0.1,localhost",
	}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: {
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
		}},
		Cmd:              cmd,
		SkipHostEnv:      true, // as Grafana 12.4+ starts plugins
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Managed:          false,
	})
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("start the plugin: %v", err)
	}
	raw, err := rpc.Dispense("diagnostics")
	if err != nil {
		t.Fatal(err)
	}
	diag, ok := raw.(grpcplugin.DiagnosticsClient)
	if !ok {
		t.Fatalf("diagnostics client is a %T", raw)
	}
	res, err := diag.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: &pluginv2.PluginContext{
		OrgId: 1, PluginId: plugin.PluginID,
		AppInstanceSettings: &pluginv2.AppInstanceSettings{JsonData: []byte(`{}`), LastUpdatedMS: time.Now().UnixMilli()},
	}})
	if err != nil {
		t.Fatalf("CheckHealth: %v", err)
	}
	var details plugin.HealthDetails
	if err := json.Unmarshal(res.JsonDetails, &details); err != nil {
		t.Fatalf("health details %q: %v", res.JsonDetails, err)
	}
	checks := map[string]plugin.HealthCheck{}
	for _, c := range details.Checks {
		checks[c.Name] = c
	}
	if k := checks["kubernetes"]; k.Status != "ok" || !strings.Contains(k.Message, kubetest.GitVersion) || !strings.Contains(k.Message, "in-cluster service account, API server "+api.URL) {
		t.Errorf("kubernetes check %+v (health %v %q)", k, res.Status, res.Message)
	}
	if c := checks["create pods/exec"]; c.Status != "ok" {
		t.Errorf("exec permission check %+v", c)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 2 {
		t.Fatalf("%d requests reached the API server, want the version and the access reviews", len(seen))
	}
	for _, h := range seen {
		if h != "Bearer "+token {
			t.Errorf("a request carried Authorization %q, want the mounted token", h)
		}
	}
}
