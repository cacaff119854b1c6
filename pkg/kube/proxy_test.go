package kube_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
)

// proxyEnv serves pod shop/web at 127.0.0.1 with handler on its port.
func proxyEnv(t *testing.T, handler http.HandlerFunc) (*kubetest.Server, *kube.Client, kube.ProxyTarget) {
	t.Helper()
	app := httptest.NewServer(handler)
	t.Cleanup(app.Close)
	_, port, err := net.SplitHostPort(strings.TrimPrefix(app.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	srv := kubetest.NewServer(t)
	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "web", IP: "127.0.0.1",
		Annotations: map[string]string{"a": "b"},
		Containers:  []kubetest.ContainerSpec{{Name: "web", Ports: []corev1.ContainerPort{{Name: "pprof", ContainerPort: int32(p)}}}}})
	rc := srv.RESTConfig()
	rc.BearerToken = "plugin-token"
	c, err := kube.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, kube.ProxyTarget{Namespace: "shop", Pod: "web", Port: int32(p)}
}

func TestPodNetwork(t *testing.T) {
	_, c, target := proxyEnv(t, http.NotFound)
	p, err := c.Pod(guardedCtx(t), "shop", "web")
	if err != nil {
		t.Fatal(err)
	}
	if p.IP != "127.0.0.1" || p.Annotations["a"] != "b" || len(p.Ports) != 1 ||
		p.Ports[0] != (kube.ContainerPort{Container: "web", Name: "pprof", Port: target.Port, Protocol: "TCP"}) {
		t.Errorf("network = %+v", p.PodNetwork)
	}
}

func TestProxyGet(t *testing.T) {
	var seen *http.Request
	_, c, target := proxyEnv(t, func(w http.ResponseWriter, r *http.Request) {
		seen = r
		_, _ = w.Write([]byte("0123456789"))
	})
	resp, err := c.ProxyGet(guardedCtx(t), kube.ProxyRequest{Target: target, Path: "/debug/pprof/", Query: map[string][]string{"seconds": {"2"}}, MaxBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "0123456789" || resp.Truncated || resp.StatusCode != 200 {
		t.Errorf("response = %+v", resp)
	}
	if seen.URL.Path != "/debug/pprof/" || seen.URL.Query().Get("seconds") != "2" {
		t.Errorf("target saw %s", seen.URL)
	}
	if seen.Header.Get("Authorization") != "" {
		t.Errorf("the plugin's credentials reached the pod: %q", seen.Header.Get("Authorization"))
	}
	resp, err = c.ProxyGet(guardedCtx(t), kube.ProxyRequest{Target: target, Path: "/x", MaxBytes: 4})
	if err != nil || string(resp.Body) != "0123" || !resp.Truncated {
		t.Errorf("capped response = %+v, %v", resp, err)
	}
	for _, bad := range []kube.ProxyRequest{
		{Target: target, Path: "/x"}, // no cap
		{Target: kube.ProxyTarget{Namespace: "shop", Pod: "web", Port: 0}, Path: "/x", MaxBytes: 1},
		{Target: kube.ProxyTarget{Namespace: "shop", Pod: "web", Port: 1, Scheme: "ftp"}, Path: "/x", MaxBytes: 1},
		{Target: kube.ProxyTarget{}, Path: "/x", MaxBytes: 1},
	} {
		if _, err := c.ProxyGet(guardedCtx(t), bad); err == nil {
			t.Errorf("ProxyGet(%+v) accepted", bad)
		}
	}
}

// TestProxyWhoAnswered: the same HTTP status means different things when
// the API server says it (a Status object) and when the application does.
func TestProxyWhoAnswered(t *testing.T) {
	tests := []struct {
		name          string
		handler       http.HandlerFunc
		deny          bool
		want          error
		fromAPIServer bool
	}{
		{"app 403 text", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "no", http.StatusForbidden) }, false, kube.ErrProxyAppDenied, false},
		{"app 403 JSON that is not a Status", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"kind":"Error","message":"no"}`))
		}, false, kube.ErrProxyAppDenied, false},
		{"app 401", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "who", http.StatusUnauthorized) }, false, kube.ErrProxyAppDenied, false},
		{"app 404", http.NotFound, false, kube.ErrProxyNotFound, false},
		{"app 502 of its own", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "upstream", http.StatusBadGateway) }, false, kube.ErrProxyStatus, false},
		{"RBAC 403", http.NotFound, true, kube.ErrForbidden, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, target := proxyEnv(t, tc.handler)
			if tc.deny {
				srv.Deny("get", "pods", "proxy")
			}
			_, err := c.ProxyGet(guardedCtx(t), kube.ProxyRequest{Target: target, Path: "/debug/pprof/heap", MaxBytes: 1 << 20})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var pe *kube.ProxyError
			if !errors.As(err, &pe) || pe.FromAPIServer != tc.fromAPIServer {
				t.Errorf("err = %#v, want FromAPIServer %v", err, tc.fromAPIServer)
			}
			if tc.want != kube.ErrForbidden && errors.Is(err, kube.ErrForbidden) {
				t.Errorf("the application's refusal reads as RBAC: %v", err)
			}
			var fe *kube.ForbiddenError
			if tc.deny && (!errors.As(err, &fe) || fe.Subresource != "proxy" || !strings.Contains(err.Error(), `"pods/proxy"`)) {
				t.Errorf("RBAC refusal %v should name pods/proxy", err)
			}
		})
	}
}
