package pprof_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	httppprof "net/http/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/pprof"
	"github.com/seed/stackcapture/pkg/pprof/pproftest"
)

const maxBytes = 16 << 20

// podFor serves one pod "shop/api-0" whose container "api" declares the
// endpoint with annotations, at ip; it returns the client and the pod as
// the plugin would read it.
func podFor(t *testing.T, srv *kubetest.Server, ip string, annotations map[string]string, ports []corev1.ContainerPort) (*kube.Client, *kube.PodInfo) {
	t.Helper()
	srv.AddPod(kubetest.PodSpec{
		Namespace: "shop", Name: "api-0", Node: "n1", IP: ip, Annotations: annotations,
		Containers: []kubetest.ContainerSpec{{Name: "api", Ports: ports}},
	})
	client, pods := readPods(t, srv, "api-0")
	return client, pods[0]
}

// readPods returns a client of srv and the pods of namespace shop named, as the plugin reads them.
func readPods(t *testing.T, srv *kubetest.Server, names ...string) (*kube.Client, []*kube.PodInfo) {
	t.Helper()
	client, err := kube.NewForConfig(srv.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pods := make([]*kube.PodInfo, len(names))
	for i, name := range names {
		if pods[i], err = client.Pod(ctx, "shop", name); err != nil {
			t.Fatal(err)
		}
	}
	return client, pods
}

func targetFor(t *testing.T, pod *kube.PodInfo) pprof.Target {
	t.Helper()
	ep, err := pprof.Discover(pod, "")
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	return pprof.Target{Namespace: pod.Namespace, Pod: pod.Name, Endpoint: ep}
}

func collect(t *testing.T, client kube.Proxier, req pprof.Request, timeout time.Duration) *pprof.Evidence {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ev := pprof.Collect(ctx, client, req)
	if ev == nil {
		t.Fatal("Collect returned nil")
	}
	return ev
}

// TestCollectFromGoProgram captures a real Go program through client-go and
// the API server's pods/proxy: the burning function tops the CPU profile,
// the 1,000 parked goroutines are one group, the allocating function tops
// the heap.
func TestCollectFromGoProgram(t *testing.T) {
	target := pproftest.Start(t, pproftest.Options{})
	srv := kubetest.NewServer(t)
	client, pod := podFor(t, srv, target.Host, nil, []corev1.ContainerPort{
		{Name: "http", ContainerPort: 8080}, {Name: "pprof", ContainerPort: target.Port},
	})
	tgt := targetFor(t, pod)
	if tgt.Endpoint.Port != target.Port || tgt.Endpoint.Scheme != "http" || !strings.Contains(tgt.Endpoint.Source, `container port "pprof"`) {
		t.Fatalf("endpoint = %+v", tgt.Endpoint)
	}

	t.Run("cpu", func(t *testing.T) {
		ev := collect(t, client, pprof.Request{Kind: pprof.KindCPU, Target: tgt, Window: 2 * time.Second, MaxBytes: maxBytes}, 2*time.Minute)
		if ev.Failure != nil {
			t.Fatalf("failure: %v", ev.Failure)
		}
		if ev.Path != "/debug/pprof/profile?seconds=2" {
			t.Errorf("path = %q", ev.Path)
		}
		s := ev.CPU
		// The profile's own duration is measured inside the target between
		// starting and stopping the profiler, so it may fall a few
		// milliseconds short of the requested window; a tenth short means the
		// window was not honoured.
		if s.Window < 2*time.Second*9/10 || s.Samples == 0 || len(s.TopFlat) == 0 {
			t.Fatalf("summary = %+v", s)
		}
		if got := ownTopFlat(s.TopFlat); got != pproftest.BurnFunc {
			t.Errorf("top flat outside the runtime = %s, want %s; top: %+v", got, pproftest.BurnFunc, s.TopFlat)
		}
		if s.TopFlat[0].FlatShare <= 0 || s.TopFlat[0].FlatShare > s.TotalShare || s.TopFlat[0].Cum < s.TopFlat[0].Flat {
			t.Errorf("top flat shares inconsistent: %+v, total %.3f", s.TopFlat[0], s.TotalShare)
		}
		if len(ev.Raw) < 2 || ev.Raw[0] != 0x1f || ev.Raw[1] != 0x8b {
			t.Errorf("raw profile is not gzipped protobuf (first bytes %q)", ev.Raw[:min(len(ev.Raw), 8)])
		}
	})
	t.Run("goroutines", func(t *testing.T) {
		ev := collect(t, client, pprof.Request{Kind: pprof.KindGoroutines, Target: tgt, MaxBytes: maxBytes}, time.Minute)
		if ev.Failure != nil {
			t.Fatalf("failure: %v", ev.Failure)
		}
		s := ev.Goroutines
		var parked []pprof.GoroutineGroup
		for _, g := range s.Groups {
			if g.Top == pproftest.ParkFunc {
				parked = append(parked, g)
			}
		}
		if len(parked) != 1 {
			t.Fatalf("groups in %s: %d, want one; groups: %+v", pproftest.ParkFunc, len(parked), s.Groups)
		}
		if parked[0].Count != int64(target.Parked) || parked[0].State != "chan receive" {
			t.Errorf("parked group = ×%d %q, want ×%d \"chan receive\"", parked[0].Count, parked[0].State, target.Parked)
		}
		if s.Groups[0].Top != pproftest.ParkFunc {
			t.Errorf("largest group is %s ×%d, want the parked one", s.Groups[0].Top, s.Groups[0].Count)
		}
		if s.Total <= int64(target.Parked) || s.Total > int64(target.Parked)+50 {
			t.Errorf("total goroutines = %d, want a few more than %d", s.Total, target.Parked)
		}
	})
	t.Run("heap", func(t *testing.T) {
		// The heap profile is as of the last GC; the target's heap stops
		// growing after 64 MiB, so wait until it names the allocator.
		deadline := time.Now().Add(time.Minute)
		for {
			ev := collect(t, client, pprof.Request{Kind: pprof.KindHeap, Target: tgt, MaxBytes: maxBytes}, time.Minute)
			if ev.Failure != nil {
				t.Fatalf("failure: %v", ev.Failure)
			}
			s := ev.Heap
			if len(s.TopInUseBytes) > 0 && s.TopInUseBytes[0].Function == pproftest.AllocFunc {
				if s.InUseBytes < s.TopInUseBytes[0].Flat || s.AllocBytes < s.InUseBytes || s.TopAllocBytes[0].Flat == 0 {
					t.Errorf("heap totals inconsistent: %+v", s)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("heap top never named %s: %+v", pproftest.AllocFunc, s.TopInUseBytes)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}

// pprofMux serves net/http/pprof the usual way.
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", httppprof.Index)
	mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
	return mux
}

// hostPort splits an httptest server's address.
func hostPort(t testing.TB, url string) (string, int32) {
	t.Helper()
	host, port, err := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(url, "http://"), "https://"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return host, int32(p)
}

// TestCollectFailures: every way a fetch fails is a Failure with its
// reason, and the message says what to do.
func TestCollectFailures(t *testing.T) {
	// A port nothing listens on: listen, note the port, close.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := int32(ln.Addr().(*net.TCPAddr).Port)
	_ = ln.Close()

	tests := []struct {
		name    string
		handler http.HandlerFunc // the pod's server; nil = closedPort
		tls     bool
		setup   func(srv *kubetest.Server)
		kind    pprof.Kind
		max     int64
		timeout time.Duration
		reason  pprof.Reason
		says    string // a fragment of the message
	}{
		{name: "connection refused", reason: pprof.ReasonRefused, says: "nothing listens"},
		{name: "404: pprof not registered", handler: http.NotFound, reason: pprof.ReasonNotFound, says: `import _ "net/http/pprof"`},
		{name: "403 from the app", handler: func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "forbidden", http.StatusForbidden)
		}, reason: pprof.ReasonAppDenied, says: "credentials"},
		{name: "401 from the app with a JSON body", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"token required"}`))
		}, reason: pprof.ReasonAppDenied, says: "token required"},
		{name: "pods/proxy forbidden by RBAC", handler: pprofMux().ServeHTTP, setup: func(srv *kubetest.Server) {
			srv.Deny("get", "pods", "proxy")
		}, reason: pprof.ReasonForbidden, says: "grant get on pods/proxy in namespace shop"},
		{name: "pod deleted", handler: pprofMux().ServeHTTP, setup: func(srv *kubetest.Server) {
			srv.DeletePod("shop", "api-0")
		}, reason: pprof.ReasonPodNotFound, says: "gone"},
		{name: "timeout", handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
		}, timeout: 300 * time.Millisecond, reason: pprof.ReasonTimeout, says: "captureTimeout"},
		{name: "timeout mid-body", handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte{0x1f, 0x8b})
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, timeout: 300 * time.Millisecond, reason: pprof.ReasonTimeout, says: "before the capture timeout"},
		{name: "capture timeout shorter than the CPU window", handler: pprofMux().ServeHTTP, kind: pprof.KindCPU,
			timeout: 500 * time.Millisecond, reason: pprof.ReasonTimeout, says: "raise captureTimeout above the sample window"},
		{name: "truncated", handler: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write(make([]byte, 3<<20))
		}, max: 1 << 20, reason: pprof.ReasonTruncated, says: "maxOutputBytes"},
		{name: "not a profile", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>welcome</html>"))
		}, reason: pprof.ReasonUnparseable, says: "text/html"},
		{name: "wrong kind of profile", handler: func(w http.ResponseWriter, r *http.Request) {
			r.URL.Path = "/debug/pprof/heap" // a heap profile where goroutines were asked
			pprofMux().ServeHTTP(w, r)
		}, reason: pprof.ReasonUnparseable, says: "not the expected kind"},
		{name: "500 from the app", handler: func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "Could not enable CPU profiling: cpu profiling already in use", http.StatusInternalServerError)
		}, reason: pprof.ReasonHTTPError, says: "already in use"},
		{name: "http to an https server", handler: pprofMux().ServeHTTP, tls: true, setup: nil, reason: pprof.ReasonHTTPError, says: "declare the scheme https"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := kubetest.NewServer(t)
			port := closedPort
			if tc.handler != nil {
				var app *httptest.Server
				if tc.tls {
					app = httptest.NewTLSServer(tc.handler)
				} else {
					app = httptest.NewServer(tc.handler)
				}
				t.Cleanup(app.Close)
				_, port = hostPort(t, app.URL)
			}
			client, pod := podFor(t, srv, "127.0.0.1", map[string]string{pprof.Annotation: fmt.Sprintf("http://:%d/debug/pprof", port)}, nil)
			tgt := targetFor(t, pod)
			if tc.setup != nil {
				tc.setup(srv)
			}
			kind, limit, timeout := tc.kind, tc.max, tc.timeout
			if kind == "" {
				kind = pprof.KindGoroutines
			}
			if limit == 0 {
				limit = maxBytes
			}
			if timeout == 0 {
				timeout = time.Minute
			}
			started := time.Now()
			ev := collect(t, client, pprof.Request{Kind: kind, Target: tgt, MaxBytes: limit}, timeout)
			if ev.Failure == nil {
				t.Fatalf("no failure; evidence %+v", ev)
			}
			t.Logf("%s: %s", ev.Failure.Reason, ev.Failure.Message)
			if ev.Failure.Reason != tc.reason || !strings.Contains(ev.Failure.Message, tc.says) {
				t.Errorf("failure = %s: %s\nwant reason %s saying %q", ev.Failure.Reason, ev.Failure.Message, tc.reason, tc.says)
			}
			if tc.reason == pprof.ReasonTruncated && int64(len(ev.Raw)) != limit {
				t.Errorf("truncated raw = %d bytes, want the first %d", len(ev.Raw), limit)
			}
			if tc.reason == pprof.ReasonTimeout && time.Since(started) > timeout+10*time.Second {
				t.Errorf("timed out after %s, bound was %s", time.Since(started), timeout)
			}
		})
	}
}

// TestCollectHTTPS fetches over https from a server with a self-signed
// certificate, as the API server's proxy does.
func TestCollectHTTPS(t *testing.T) {
	app := httptest.NewTLSServer(pprofMux())
	t.Cleanup(app.Close)
	_, port := hostPort(t, app.URL)
	srv := kubetest.NewServer(t)
	client, pod := podFor(t, srv, "127.0.0.1", nil, []corev1.ContainerPort{{Name: "https-pprof", ContainerPort: port}})
	tgt := targetFor(t, pod)
	if tgt.Endpoint.Scheme != "https" {
		t.Fatalf("endpoint = %+v", tgt.Endpoint)
	}
	ev := collect(t, client, pprof.Request{Kind: pprof.KindGoroutines, Target: tgt, MaxBytes: maxBytes}, time.Minute)
	if ev.Failure != nil {
		t.Fatalf("failure: %v", ev.Failure)
	}
	if ev.Goroutines.Total < 1 || len(ev.Goroutines.Groups) == 0 {
		t.Errorf("summary = %+v", ev.Goroutines)
	}
}

// TestCollectKubelet fetches the goroutines of a node's "kubelet" through
// nodes/proxy, and reports the RBAC refusal of nodes/proxy.
func TestCollectKubelet(t *testing.T) {
	kubelet := httptest.NewTLSServer(pprofMux())
	t.Cleanup(kubelet.Close)
	srv := kubetest.NewServer(t)
	srv.AddNode("n1", kubelet.URL)
	client, err := kube.NewForConfig(srv.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	req := pprof.Request{Kind: pprof.KindGoroutines, Target: pprof.Target{Node: "n1"}, MaxBytes: maxBytes}
	ev := collect(t, client, req, time.Minute)
	if ev.Failure != nil || ev.Source != "kubelet" || ev.Goroutines.Total < 1 {
		t.Fatalf("evidence = %+v, failure %v", ev, ev.Failure)
	}
	srv.Deny("get", "nodes", "proxy")
	ev = collect(t, client, req, time.Minute)
	if ev.Failure == nil || ev.Failure.Reason != pprof.ReasonForbidden || !strings.Contains(ev.Failure.Message, "nodes/proxy") {
		t.Errorf("failure = %v, want forbidden naming nodes/proxy", ev.Failure)
	}
}
