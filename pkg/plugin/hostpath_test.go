package plugin_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
)

// tlsFront serves srv over TLS (client-go runs credential plugins for https servers only)
// and returns its URL and CA in PEM.
func tlsFront(t *testing.T, srv *kubetest.Server) (url string, ca []byte) {
	t.Helper()
	target, err := neturl.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(target))
	t.Cleanup(front.Close)
	return front.URL, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw})
}

// kubeconfigFile writes a kubeconfig for server (https, with its CA); with credPlugin its
// user runs that command (an exec credential plugin) to get a token.
func kubeconfigFile(t *testing.T, dir, name, server string, ca []byte, credPlugin string) string {
	t.Helper()
	user := `{"token": "static"}`
	if credPlugin != "" {
		user = fmt.Sprintf(`{"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": %q, "interactiveMode": "Never"}}`, credPlugin)
	}
	cfg := fmt.Sprintf(`{"apiVersion": "v1", "kind": "Config", "current-context": "c",
		"clusters": [{"name": "k", "cluster": {"server": %q, "certificate-authority-data": %q}}],
		"users": [{"name": "u", "user": %s}],
		"contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}]}`, server, base64.StdEncoding.EncodeToString(ca), user)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// credentialPlugin writes an exec credential plugin that leaves marker behind when it runs.
func credentialPlugin(t *testing.T, dir, marker string) string {
	t.Helper()
	path := filepath.Join(dir, "cred.sh")
	script := fmt.Sprintf("#!/bin/sh\ntouch %q\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\"}}'\n", marker)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// realProcess is a plugin process with the Kubernetes client Grafana gets (from the server
// configuration's kubeconfig), and only server keys from server.
func realProcess(t *testing.T, server map[string]string) *plugintest.Process {
	t.Helper()
	deps := plugin.DefaultDeps()
	deps.Logger = log.NewNullLogger()
	dataDir := t.TempDir()
	deps.DataDir = func() (string, error) { return dataDir, nil }
	deps.Environ = func() []string {
		env := []string{}
		for k, v := range server {
			env = append(env, plugintest.ServerEnv(k, v))
		}
		return env
	}
	p := &plugintest.Process{Apps: plugin.NewApps(deps)}
	t.Cleanup(func() { p.Close(t) })
	return p
}

func healthOf(t *testing.T, a *plugin.App) (*backend.CheckHealthResult, map[string]plugin.HealthCheck) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), plugintest.Guard)
	defer cancel()
	res, err := a.CheckHealth(ctx, &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var d plugin.HealthDetails
	if err := json.Unmarshal(res.JSONDetails, &d); err != nil {
		t.Fatal(err)
	}
	checks := map[string]plugin.HealthCheck{}
	for _, c := range d.Checks {
		checks[c.Name] = c
	}
	return res, checks
}

// An org Admin writes jsonData; nothing in it makes the plugin read a host file, create a
// directory, open another SQLite file or run a command.
func TestOrgAdminCannotReachTheHost(t *testing.T) {
	srv := kubetest.NewServer(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "the-credential-plugin-ran")
	url, ca := tlsFront(t, srv)
	hostile := kubeconfigFile(t, dir, "hostile", url, ca, credentialPlugin(t, dir, marker))
	clean := kubeconfigFile(t, dir, "clean", url, ca, "")
	evilDir := filepath.Join(dir, "created-by-an-org-admin")

	p := realProcess(t, map[string]string{"cluster_default_kubeconfig": clean, "cluster_default_namespaces": "*",
		"database_path": filepath.Join(dir, "server", "captures.db")})
	a := p.InstanceT(t, 1, map[string]any{"kubeconfig": hostile, "kubeContext": "c",
		"databasePath": filepath.Join(evilDir, "captures.db"), "perNodeLimit": 1000})
	res, checks := healthOf(t, a)
	if checks["kubernetes"].Status != "ok" || !strings.Contains(checks["kubernetes"].Message, "kubeconfig "+clean) {
		t.Errorf("kubernetes check %+v: want the server's kubeconfig", checks["kubernetes"])
	}
	moved := checks["server settings"]
	for _, key := range []string{"kubeconfig (now cluster_<name>_kubeconfig)", "databasePath (now database_path)", "perNodeLimit (now per_node_limit)"} {
		if moved.Status != "warning" || !strings.Contains(moved.Message, key) {
			t.Errorf("server settings check %+v does not name %s", moved, key)
		}
	}
	if res.Status != backend.HealthStatusOk {
		t.Errorf("health %v %q: ignored keys are a warning, not a failure", res.Status, res.Message)
	}
	plugintest.Call(t, a, "POST", "/captures", []byte(`{"namespace":"shop","pod":"nope"}`), plugintest.Editor)
	if _, err := os.Stat(marker); err == nil {
		t.Error("the org's kubeconfig ran its credential plugin on the Grafana host")
	}
	if _, err := os.Stat(evilDir); err == nil {
		t.Error("the org's databasePath created a directory on the Grafana host")
	}

	// An org's databasePath naming another SQLite file on the host (Grafana's own, say) leaves
	// it as it was: no tables added, no journal mode switched, no -wal file beside it.
	other := filepath.Join(dir, "grafana.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE dashboard (id INTEGER PRIMARY KEY, title TEXT)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(other)
	if err != nil {
		t.Fatal(err)
	}
	b := p.InstanceT(t, 2, map[string]any{"databasePath": other})
	healthOf(t, b)
	plugintest.CallInOrg(t, b, 2, "POST", "/captures", []byte(`{"namespace":"shop","pod":"nope"}`), plugintest.Editor)
	plugintest.CallInOrg(t, b, 2, "GET", "/captures", nil, plugintest.Viewer)
	if after, err := os.ReadFile(other); err != nil || !bytes.Equal(after, before) {
		t.Errorf("the org's databasePath changed another SQLite file on the host (%v)", err)
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(other + suffix); err == nil {
			t.Errorf("the plugin opened the org's databasePath: %s exists", other+suffix)
		}
	}
}

// A kubeconfig exec credential plugin runs a command as Grafana's user: even the server
// admin's kubeconfig may use one only with allow_exec_credentials = true.
func TestExecCredentialPluginOnlyWhenTheServerAdminAllowsIt(t *testing.T) {
	url, ca := tlsFront(t, kubetest.NewServer(t))
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprintf("allow_exec_credentials=%v", allow), func(t *testing.T) {
			dir := t.TempDir()
			marker := filepath.Join(dir, "the-credential-plugin-ran")
			kc := kubeconfigFile(t, dir, "kubeconfig", url, ca, credentialPlugin(t, dir, marker))
			p := realProcess(t, map[string]string{"cluster_default_kubeconfig": kc, "cluster_default_namespaces": "*",
				"database_path": filepath.Join(dir, "captures.db"), "allow_exec_credentials": fmt.Sprint(allow)})
			_, checks := healthOf(t, p.InstanceT(t, 1, nil))
			_, ranErr := os.Stat(marker)
			k := checks["kubernetes"]
			if allow {
				if k.Status != "ok" || ranErr != nil {
					t.Errorf("allowed: kubernetes %+v, plugin ran: %v", k, ranErr == nil)
				}
				return
			}
			if k.Status != "error" || !strings.Contains(k.Message, "exec credential plugin") || !strings.Contains(k.Message, "allow_exec_credentials = true") {
				t.Errorf("refused: kubernetes check %+v", k)
			}
			if ranErr == nil {
				t.Error("the credential plugin ran although allow_exec_credentials is false")
			}
		})
	}
}
