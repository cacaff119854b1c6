package kube_test

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
)

func TestPod(t *testing.T) {
	srv, c := newEnv(t, kube.ExecTransportFallback)
	srv.AddPod(kubetest.PodSpec{
		Namespace: "shop", Name: "two", Node: "node-b",
		Containers: []kubetest.ContainerSpec{{Name: "jvm"}, {Name: "envoy"}},
	})
	ctx := guardedCtx(t)

	p, err := c.Pod(ctx, "shop", "two")
	if err != nil {
		t.Fatalf("Pod: %v", err)
	}
	if p.Namespace != "shop" || p.Name != "two" || p.Node != "node-b" || p.Phase != "Running" || p.UID == "" {
		t.Errorf("PodInfo = %+v", p)
	}
	if len(p.Containers) != 2 || p.Containers[0].Name != "jvm" || p.Containers[1].Name != "envoy" {
		t.Fatalf("containers = %+v, want jvm, envoy in spec order", p.Containers)
	}
	for _, ci := range p.Containers {
		if !ci.Running || !strings.HasSuffix(ci.ContainerID, "/"+ci.Name) || ci.Image == "" {
			t.Errorf("container %+v: want running with its own ID and image", ci)
		}
	}

	tests := []struct {
		name, container, wantName string
		wantErr                   error
	}{
		{"named", "envoy", "envoy", nil},
		{"unknown", "sidecar", "", kube.ErrContainerNotFound},
		{"empty with two containers", "", "", kube.ErrContainerNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ci, err := p.Container(tc.container)
			if !errors.Is(err, tc.wantErr) || ci.Name != tc.wantName {
				t.Fatalf("Container(%q) = %q, %v; want %q, %v", tc.container, ci.Name, err, tc.wantName, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "jvm, envoy") {
				t.Errorf("error %q should list the pod's containers", err)
			}
		})
	}
	single, err := c.Pod(ctx, "shop", "app")
	if err != nil {
		t.Fatal(err)
	}
	if ci, err := single.Container(""); err != nil || ci.Name != "app" {
		t.Errorf("Container(\"\") on a one-container pod = %q, %v; want app", ci.Name, err)
	}

	srv.DeletePod("shop", "two")
	_, err = c.Pod(ctx, "shop", "two")
	if !errors.Is(err, kube.ErrPodNotFound) || !apierrors.IsNotFound(err) {
		t.Fatalf("Pod after DeletePod: %v, want ErrPodNotFound wrapping the API 404", err)
	}

	srv.Deny("get", "pods", "")
	_, err = c.Pod(ctx, "shop", "app")
	var fe *kube.ForbiddenError
	if !errors.As(err, &fe) || fe.Verb != "get" || fe.Resource != "pods" || fe.Subresource != "" || !apierrors.IsForbidden(err) {
		t.Fatalf("Pod denied: %v, want ForbiddenError get pods wrapping the API 403", err)
	}
}

// writeLog appends to a container log file like a process writing stdout.
func writeLog(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func readLogs(t *testing.T, c *kube.Client, container string, since time.Time, limit int64) (string, error) {
	t.Helper()
	rc, err := c.Logs(guardedCtx(t), "shop", "logger", container, since, limit)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read logs: %v", err)
	}
	return string(b), nil
}

func TestLogsSinceTimeAndLimit(t *testing.T) {
	srv, c := newEnv(t, kube.ExecTransportFallback)
	logFile := filepath.Join(t.TempDir(), "stdout.log")
	srv.AddPod(kubetest.PodSpec{
		Namespace: "shop", Name: "logger",
		Containers: []kubetest.ContainerSpec{{Name: "app", LogFile: logFile}, {Name: "quiet"}},
	})

	writeLog(t, logFile, "old-1\nold-2\n")
	waitFor(t, "the server to see the old lines", func() bool {
		got, err := readLogs(t, c, "app", time.Time{}, 0)
		return err == nil && got == "old-1\nold-2\n"
	})
	// sinceTime travels with one-second precision, so start the new lines
	// in a later second than the old ones were seen in.
	since := time.Now().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(since) + 50*time.Millisecond)
	// The last line has no newline yet, like a dump still being written.
	writeLog(t, logFile, "new-1\nnew-2\npartial")
	waitFor(t, "the server to see the new lines", func() bool {
		got, err := readLogs(t, c, "app", time.Time{}, 0)
		return err == nil && strings.HasSuffix(got, "partial")
	})

	tests := []struct {
		name  string
		since time.Time
		limit int64
		want  string
	}{
		{"everything", time.Time{}, 0, "old-1\nold-2\nnew-1\nnew-2\npartial"},
		{"since", since, 0, "new-1\nnew-2\npartial"},
		{"since with limit cutting a line", since, 8, "new-1\nne"},
		{"limit only", time.Time{}, 3, "old"},
		{"since in the future", since.Add(time.Hour), 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readLogs(t, c, "app", tc.since, tc.limit)
			if err != nil {
				t.Fatalf("Logs: %v", err)
			}
			if got != tc.want {
				t.Errorf("Logs = %q, want %q", got, tc.want)
			}
		})
	}

	if got, err := readLogs(t, c, "quiet", time.Time{}, 0); err != nil || got != "" {
		t.Errorf("log of a container that wrote nothing = %q, %v", got, err)
	}
	if _, err := readLogs(t, c, "nope", time.Time{}, 0); !errors.Is(err, kube.ErrContainerNotFound) {
		t.Errorf("Logs of unknown container: %v, want ErrContainerNotFound", err)
	}
	if _, err := c.Logs(guardedCtx(t), "shop", "gone", "app", time.Time{}, 0); !errors.Is(err, kube.ErrPodNotFound) {
		t.Errorf("Logs of unknown pod: %v, want ErrPodNotFound", err)
	}
	if _, err := c.Logs(guardedCtx(t), "shop", "logger", "app", time.Time{}, -1); err == nil {
		t.Error("negative limit accepted")
	}

	srv.Deny("get", "pods", "log")
	_, err := readLogs(t, c, "app", time.Time{}, 0)
	var fe *kube.ForbiddenError
	if !errors.As(err, &fe) || fe.Subresource != "log" || fe.Verb != "get" {
		t.Fatalf("Logs denied: %v, want ForbiddenError for get pods/log", err)
	}
	if want := `forbidden: cannot get pods/log in namespace "shop" (RBAC: grant "get" on "pods/log")`; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
}

func TestCanI(t *testing.T) {
	srv, c := newEnv(t, kube.ExecTransportFallback)
	srv.Deny("create", "pods", "exec")
	ctx := guardedCtx(t)

	allowed, reason, err := c.CanI(ctx, "shop", "create", "pods", "exec")
	if err != nil {
		t.Fatalf("CanI: %v", err)
	}
	if allowed {
		t.Fatal("CanI create pods/exec = allowed, want denied")
	}
	if !strings.Contains(reason, `"create" on "pods/exec"`) || !strings.Contains(reason, `"shop"`) {
		t.Errorf("denial reason %q should name the grant and namespace", reason)
	}

	allowed, reason, err = c.CanI(ctx, "shop", "get", "pods", "log")
	if err != nil || !allowed {
		t.Fatalf("CanI get pods/log = %v, %v; want allowed", allowed, err)
	}
	if !strings.Contains(reason, "RBAC: allowed by") {
		t.Errorf("allow reason %q should be the authorizer's", reason)
	}
}

func TestServerVersion(t *testing.T) {
	_, c := newEnv(t, kube.ExecTransportFallback)
	v, err := c.ServerVersion(guardedCtx(t))
	if err != nil || v != kubetest.GitVersion {
		t.Fatalf("ServerVersion = %q, %v; want %q", v, err, kubetest.GitVersion)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.ServerVersion(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("ServerVersion with a cancelled context: %v, want context.Canceled", err)
	}
}

// In-cluster config comes from the mounted files and a known API server, never from
// KUBERNETES_SERVICE_HOST/PORT: Grafana 12.4+ does not pass them to plugins.
func TestInClusterConfigFromFiles(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	ca := write("ca.crt", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	token := write("token", "abc\n")
	tests := []struct {
		name                  string
		token, caFile, server string
		wantErr, wantHost     string
	}{
		{"defaults name the service's DNS name", token, ca, "", "", kube.DefaultAPIServer},
		{"explicit server", token, ca, "https://10.0.0.1:6443", "", "https://10.0.0.1:6443"},
		{"no token file", filepath.Join(dir, "absent"), ca, "", "read the service-account token", ""},
		{"empty token", write("empty", " \n"), ca, "", "is empty", ""},
		{"CA is not a certificate", token, write("bad.crt", "nope"), "", "the cluster CA", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := kube.InClusterConfig(tt.token, tt.caFile, tt.server)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || rc.Host != tt.wantHost || rc.BearerTokenFile != tt.token || rc.BearerToken != "" || rc.CAFile != tt.caFile {
				t.Fatalf("config %+v, %v", rc, err)
			}
		})
	}
}

func TestExecCredentialPluginRefusedUnlessAllowed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	kubeconfig := `apiVersion: v1
kind: Config
clusters:
- name: k
  cluster: {server: "http://127.0.0.1:1"}
users:
- name: u
  user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/true, interactiveMode: Never}}
contexts:
- name: c
  context: {cluster: k, user: u}
current-context: c
`
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := kube.New(kube.Config{Kubeconfig: path})
	if !errors.Is(err, kube.ErrExecCredentialRefused) || !strings.Contains(err.Error(), `"/bin/true"`) {
		t.Errorf("New without AllowExecCredentials: %v", err)
	}
	if _, err := kube.New(kube.Config{Kubeconfig: path, AllowExecCredentials: true}); err != nil {
		t.Errorf("New with AllowExecCredentials: %v", err)
	}
}

func TestNewFromKubeconfig(t *testing.T) {
	srv := kubetest.NewServer(t)
	path := filepath.Join(t.TempDir(), "kubeconfig")
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: %q}
- name: nowhere
  cluster: {server: "http://127.0.0.1:1"}
users:
- name: u
  user: {token: not-a-secret}
contexts:
- name: good
  context: {cluster: test, user: u}
- name: bad
  context: {cluster: nowhere, user: u}
current-context: bad
`, srv.URL())
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := kube.New(kube.Config{Kubeconfig: path, Context: "good", QPS: 50, Burst: 100, UserAgent: "stackcapture-test"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if v, err := c.ServerVersion(guardedCtx(t)); err != nil || v != kubetest.GitVersion {
		t.Fatalf("ServerVersion via context good = %q, %v", v, err)
	}
	if _, err := kube.New(kube.Config{Kubeconfig: path, Context: "missing"}); err == nil {
		t.Error("New with an unknown context succeeded")
	}
	if _, err := kube.New(kube.Config{Kubeconfig: filepath.Join(t.TempDir(), "absent")}); err == nil {
		t.Error("New with a missing kubeconfig file succeeded")
	}
	if _, err := kube.New(kube.Config{Kubeconfig: path, Context: "good", ExecTransport: "carrier-pigeon"}); err == nil {
		t.Error("New with an unknown exec transport succeeded")
	}
}
