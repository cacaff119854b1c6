package kubetest

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// handleProxy registers pods/proxy and nodes/proxy. Like the API server,
// they authorize "get" on pods/proxy (nodes/proxy), resolve the target, drop
// the client's Authorization header and forward with a reverse proxy; a
// target that cannot be reached is the API server's 503 Status
// "error trying to reach service: …", anything the target answers passes
// through unchanged.
func (s *Server) handleProxy(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods/{name}/proxy", s.servePodProxy)
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods/{name}/proxy/{path...}", s.servePodProxy)
	mux.HandleFunc("GET /api/v1/nodes/{node}/proxy", s.serveNodeProxy)
	mux.HandleFunc("GET /api/v1/nodes/{node}/proxy/{path...}", s.serveNodeProxy)
}

// AddNode makes nodes/{name}/proxy forward to kubeletURL (e.g. an
// httptest server standing in for the kubelet's port 10250).
func (s *Server) AddNode(name, kubeletURL string) {
	s.t.Helper()
	if _, err := url.Parse(kubeletURL); err != nil || name == "" {
		s.t.Fatalf("kubetest: AddNode(%q, %q): need a name and a URL (%v)", name, kubeletURL, err)
	}
	s.mu.Lock()
	s.nodes[name] = kubeletURL
	s.mu.Unlock()
}

// splitSchemeNamePort parses the proxy's "[scheme:]name[:port]" the way the
// API server does.
func splitSchemeNamePort(id string) (scheme, name, port string, ok bool) {
	parts := strings.Split(id, ":")
	switch len(parts) {
	case 1:
		name = parts[0]
	case 2:
		name, port = parts[0], parts[1]
	case 3:
		scheme, name, port = parts[0], parts[1], parts[2]
		if scheme != "http" && scheme != "https" {
			return "", "", "", false
		}
	default:
		return "", "", "", false
	}
	return scheme, name, port, name != ""
}

func (s *Server) servePodProxy(w http.ResponseWriter, r *http.Request) {
	ns := r.PathValue("ns")
	scheme, name, port, ok := splitSchemeNamePort(r.PathValue("name"))
	if !ok {
		writeStatus(w, apierrors.NewBadRequest(fmt.Sprintf("invalid request %q", r.PathValue("name"))))
		return
	}
	if s.isDenied("get", "pods", "proxy") {
		writeStatus(w, forbidden("get", "pods", "proxy", ns, name))
		return
	}
	s.mu.Lock()
	p := s.pods[podKey{ns, name}]
	s.mu.Unlock()
	if p == nil {
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name))
		return
	}
	if scheme == "" {
		scheme = "http"
	}
	if port == "" { // the API server picks the first declared port
		for _, c := range p.obj.Spec.Containers {
			if len(c.Ports) > 0 {
				port = strconv.Itoa(int(c.Ports[0].ContainerPort))
				break
			}
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		writeStatus(w, apierrors.NewBadRequest(fmt.Sprintf("invalid port %q for pod %s", port, name)))
		return
	}
	ip := p.obj.Status.PodIP
	if ip == "" {
		writeStatus(w, apierrors.NewBadRequest(fmt.Sprintf("address not allowed: pod %s has no IP", name)))
		return
	}
	s.forward(w, r, &url.URL{Scheme: scheme, Host: net.JoinHostPort(ip, port)})
}

func (s *Server) serveNodeProxy(w http.ResponseWriter, r *http.Request) {
	node := r.PathValue("node")
	if s.isDenied("get", "nodes", "proxy") {
		writeStatus(w, forbidden("get", "nodes", "proxy", "", node))
		return
	}
	s.mu.Lock()
	base, ok := s.nodes[node]
	s.mu.Unlock()
	if !ok {
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Resource: "nodes"}, node))
		return
	}
	u, err := url.Parse(base)
	if err != nil {
		writeStatus(w, apierrors.NewInternalError(err))
		return
	}
	s.forward(w, r, u)
}

// forward proxies r to target + the {path...} of the request.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, target *url.URL) {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = target.Scheme
			pr.Out.URL.Host = target.Host
			pr.Out.URL.Path = "/" + r.PathValue("path")
			pr.Out.URL.RawPath = ""
			pr.Out.URL.RawQuery = r.URL.RawQuery
			pr.Out.Host = target.Host
			// The API server authenticates the client and never hands its
			// credentials on.
			pr.Out.Header.Del("Authorization")
		},
		// Like the API server's pod proxy, do not verify the pod's certificate.
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
			DisableKeepAlives: true,
		},
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeStatus(w, apierrors.NewServiceUnavailable("error trying to reach service: "+err.Error()))
		},
	}
	rp.ServeHTTP(w, r)
}
