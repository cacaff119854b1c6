package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// Errors of ProxyGet, besides ErrForbidden (a *ForbiddenError naming
// pods/proxy or nodes/proxy) and ErrPodNotFound. Each is wrapped in a
// *ProxyError carrying the HTTP status and the server's words.
var (
	// ErrProxyRefused means the API server reached the pod's address but
	// nothing listens on the port ("connection refused").
	ErrProxyRefused = errors.New("connection refused")
	// ErrProxyUnreachable means the API server could not reach the target
	// for another reason (no route, dial timeout, TLS handshake failure).
	ErrProxyUnreachable = errors.New("target unreachable through the API server proxy")
	// ErrProxyNotFound means the application itself answered 404: the path
	// is not served (for pprof: net/http/pprof is not registered there).
	ErrProxyNotFound = errors.New("the application answered 404 not found")
	// ErrProxyAppDenied means the application itself answered 401 or 403:
	// it wants credentials the plugin does not have. RBAC refusals by the
	// API server are ErrForbidden instead.
	ErrProxyAppDenied = errors.New("the application refused the request (401/403)")
	// ErrProxyTimeout means the caller's context ended before the whole
	// answer arrived.
	ErrProxyTimeout = errors.New("timed out")
	// ErrProxyStatus is any other non-2xx answer.
	ErrProxyStatus = errors.New("unexpected HTTP status")
)

// ProxyTarget says where a proxied request goes: a port of a pod
// (pods/proxy) or, with Node set and Pod empty, the node's kubelet
// (nodes/proxy).
type ProxyTarget struct {
	Namespace string
	Pod       string
	// Scheme is "http" (the default when empty) or "https". The API server
	// does not verify the pod's certificate.
	Scheme string
	Port   int32
	// Node selects the kubelet of this node instead of a pod.
	Node string
}

// String names the target for messages.
func (t ProxyTarget) String() string {
	if t.Pod == "" {
		return "kubelet of node " + t.Node
	}
	return fmt.Sprintf("pod %s/%s port %d (%s)", t.Namespace, t.Pod, t.Port, t.scheme())
}

func (t ProxyTarget) scheme() string {
	if t.Scheme == "" {
		return "http"
	}
	return t.Scheme
}

func (t ProxyTarget) validate() error {
	if t.Pod == "" {
		if t.Node == "" {
			return errors.New("kube: proxy target needs a pod or a node")
		}
		return nil
	}
	if t.Namespace == "" {
		return errors.New("kube: proxy target pod needs a namespace")
	}
	if t.Port < 1 || t.Port > 65535 {
		return fmt.Errorf("kube: proxy target port %d out of range 1-65535", t.Port)
	}
	switch t.Scheme {
	case "", "http", "https":
		return nil
	default:
		return fmt.Errorf("kube: proxy target scheme %q: want http or https", t.Scheme)
	}
}

// ProxyRequest is a GET through the API server's proxy.
type ProxyRequest struct {
	Target ProxyTarget
	// Path on the target, e.g. "/debug/pprof/profile".
	Path  string
	Query url.Values
	// MaxBytes caps the body kept (> 0 required); a longer body is cut and
	// the response marked Truncated.
	MaxBytes int64
}

// ProxyResponse is a 2xx answer of the target.
type ProxyResponse struct {
	StatusCode  int
	ContentType string
	Body        []byte
	// Truncated says the target sent more than MaxBytes; Body holds the
	// first MaxBytes.
	Truncated bool
}

// ProxyError is a failed proxied request. It wraps one of the ErrProxy*
// sentinels (or ErrPodNotFound), so callers branch with errors.Is.
type ProxyError struct {
	Target ProxyTarget
	Path   string
	// StatusCode is the HTTP status, 0 when no answer came.
	StatusCode int
	// FromAPIServer says the answer was the API server's own Status object
	// rather than the target's body.
	FromAPIServer bool
	// Message is the server's explanation: the Status message, or the start
	// of the target's body.
	Message string
	Kind    error // one of the sentinels
	Cause   error // the transport error, if any
}

// Error says what was asked of whom, what went wrong and who said so.
func (e *ProxyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s on %s: %v", e.Path, e.Target, e.Kind)
	if e.StatusCode != 0 {
		who := "target"
		if e.FromAPIServer {
			who = "API server"
		}
		fmt.Fprintf(&b, " (%s answered %d)", who, e.StatusCode)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Cause != nil && !strings.Contains(e.Message, e.Cause.Error()) {
		fmt.Fprintf(&b, ": %v", e.Cause)
	}
	return b.String()
}

// Is matches the error's sentinel.
func (e *ProxyError) Is(target error) bool { return target == e.Kind }

// Unwrap exposes the transport error.
func (e *ProxyError) Unwrap() error { return e.Cause }

// Proxier fetches through the API server's proxy; *Client implements it.
type Proxier interface {
	ProxyGet(ctx context.Context, req ProxyRequest) (*ProxyResponse, error)
}

var _ Proxier = (*Client)(nil)

// errorBodyLimit bounds how much of a failed answer is read for its message.
const errorBodyLimit = 64 << 10

// messageLimit bounds how much of an error body goes into a message.
const messageLimit = 300

// ProxyGet sends GET req.Path to the target through the API server
// (pods/{scheme:name:port}/proxy or nodes/{node}/proxy), which needs "get"
// on pods/proxy or nodes/proxy. Nothing runs inside the container. ctx
// bounds the whole exchange, body included; the body is capped at
// req.MaxBytes.
//
// A non-2xx answer is told apart by who gave it: the API server answers with
// a metav1.Status object (RBAC refusal, pod not found, the target not
// reachable), the target with its own body (404 when the path is not served,
// 401/403 when the application wants credentials).
func (c *Client) ProxyGet(ctx context.Context, req ProxyRequest) (*ProxyResponse, error) {
	if err := req.Target.validate(); err != nil {
		return nil, err
	}
	if req.MaxBytes <= 0 {
		return nil, fmt.Errorf("kube: proxy GET %s: MaxBytes must be positive", req.Path)
	}
	rc, ok := c.streaming.RESTClient().(*rest.RESTClient)
	if !ok || rc.Client == nil {
		return nil, errors.New("kube: proxy needs client-go's REST client")
	}
	r := c.streaming.RESTClient().Get()
	if req.Target.Pod != "" {
		name := req.Target.scheme() + ":" + req.Target.Pod + ":" + strconv.Itoa(int(req.Target.Port))
		r = r.Namespace(req.Target.Namespace).Resource("pods").Name(name).SubResource("proxy")
	} else {
		r = r.Resource("nodes").Name(req.Target.Node).SubResource("proxy")
	}
	r = r.Suffix(strings.TrimPrefix(req.Path, "/"))
	for k, vs := range req.Query {
		for _, v := range vs {
			r = r.Param(k, v)
		}
	}
	u := r.URL()
	// Suffix drops a trailing slash; pprof's index needs it.
	if strings.HasSuffix(req.Path, "/") && !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("kube: proxy GET %s: %w", req.Path, err)
	}
	resp, err := rc.Client.Do(hreq)
	if err != nil {
		return nil, c.proxyTransportError(ctx, req, err)
	}
	defer func() { _ = resp.Body.Close() }()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, readErr := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
		if readErr != nil && ctx.Err() != nil {
			return nil, c.proxyTransportError(ctx, req, readErr)
		}
		return nil, classifyProxyAnswer(req, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	body, err := io.ReadAll(io.LimitReader(resp.Body, req.MaxBytes+1))
	if err != nil {
		return nil, c.proxyTransportError(ctx, req, err)
	}
	out := &ProxyResponse{StatusCode: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body}
	if int64(len(body)) > req.MaxBytes {
		out.Body = body[:req.MaxBytes]
		out.Truncated = true
	}
	return out, nil
}

func (c *Client) proxyTransportError(ctx context.Context, req ProxyRequest, err error) error {
	pe := &ProxyError{Target: req.Target, Path: req.Path, Cause: err, Kind: ErrProxyUnreachable}
	var ne net.Error
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		pe.Kind = ErrProxyTimeout
		pe.Message = "no complete answer before the capture timeout"
	} else {
		pe.Message = "cannot reach the API server"
	}
	return pe
}

// classifyProxyAnswer turns a non-2xx answer into an error, telling the API
// server's Status apart from the target's own body.
func classifyProxyAnswer(req ProxyRequest, code int, contentType string, body []byte) error {
	pe := &ProxyError{Target: req.Target, Path: req.Path, StatusCode: code}
	if st, ok := apiServerStatus(contentType, body); ok {
		pe.FromAPIServer = true
		pe.Message = excerpt([]byte(st.Message))
		switch {
		case code == http.StatusForbidden:
			f := &ForbiddenError{Verb: "get", Resource: "pods", Subresource: "proxy", Namespace: req.Target.Namespace, Cause: pe}
			if req.Target.Pod == "" {
				f.Resource = "nodes"
			}
			pe.Kind = ErrForbidden
			return f
		case code == http.StatusNotFound && req.Target.Pod != "":
			pe.Kind = ErrPodNotFound
		case code == http.StatusServiceUnavailable || code == http.StatusBadGateway || code == http.StatusGatewayTimeout:
			pe.Kind = ErrProxyUnreachable
			if strings.Contains(st.Message, "connection refused") {
				pe.Kind = ErrProxyRefused
			}
		default:
			pe.Kind = ErrProxyStatus
		}
		return pe
	}
	pe.Message = excerpt(body)
	switch code {
	case http.StatusNotFound:
		pe.Kind = ErrProxyNotFound
	case http.StatusUnauthorized, http.StatusForbidden:
		pe.Kind = ErrProxyAppDenied
	default:
		pe.Kind = ErrProxyStatus
	}
	return pe
}

// apiServerStatus decodes body as the API server's metav1.Status, which is
// how it reports its own refusals; the target's bodies pass through as is.
func apiServerStatus(contentType string, body []byte) (*metav1.Status, bool) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return nil, false
	}
	var st metav1.Status
	if err := json.Unmarshal(body, &st); err != nil {
		return nil, false
	}
	if st.Kind != "Status" || st.APIVersion != "v1" || st.Status != metav1.StatusFailure {
		return nil, false
	}
	return &st, true
}

// excerpt is the start of a target's error body, on one line.
func excerpt(body []byte) string {
	s := strings.Join(strings.Fields(string(bytes.ToValidUTF8(body, []byte("?")))), " ")
	if len(s) > messageLimit {
		s = strings.ToValidUTF8(s[:messageLimit], "") + "…"
	}
	return s
}
