//go:build integration

package integration

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
)

// noWebSocketProxy forwards plain HTTP on 127.0.0.1 to the API server and answers every
// WebSocket upgrade with 400, the way a proxy without WebSocket support does. SPDY upgrades
// (and everything else) pass.
type noWebSocketProxy struct {
	url string

	mu              sync.Mutex
	refused, passed int
}

func newNoWebSocketProxy(t *testing.T, upstream *rest.Config) *noWebSocketProxy {
	t.Helper()
	target, err := url.Parse(upstream.Host)
	if err != nil {
		t.Fatal(err)
	}
	tlsCfg, err := rest.TLSConfigFor(&rest.Config{TLSClientConfig: upstream.TLSClientConfig})
	if err != nil {
		t.Fatal(err)
	}
	// HTTP/1.1 only: protocol upgrades do not exist in HTTP/2.
	transport := &http.Transport{TLSClientConfig: tlsCfg}
	t.Cleanup(transport.CloseIdleConnections)
	p := &noWebSocketProxy{}
	rp := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: transport,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upgrade := strings.ToLower(r.Header.Get("Upgrade"))
		switch {
		case upgrade == "websocket":
			p.mu.Lock()
			p.refused++
			p.mu.Unlock()
			http.Error(w, "this proxy does not support WebSocket", http.StatusBadRequest)
			return
		case strings.HasPrefix(upgrade, "spdy/"):
			p.mu.Lock()
			p.passed++
			p.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

// counts returns how many WebSocket upgrades were refused and SPDY upgrades passed.
func (p *noWebSocketProxy) counts() (refused, spdy int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused, p.passed
}
