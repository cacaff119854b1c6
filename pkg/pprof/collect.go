package pprof

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seed/stackcapture/pkg/kube"
)

// Kind is a kind of Go evidence.
type Kind string

// The kinds of Go evidence a capture can hold.
const (
	KindCPU        Kind = "go-cpu"
	KindGoroutines Kind = "go-goroutines"
	KindHeap       Kind = "go-heap"
)

// Reason says why collecting a profile failed, in terms a user can act on.
type Reason string

// Failure reasons.
const (
	ReasonNoEndpoint  Reason = "no-endpoint"        // nothing declared; the message says how
	ReasonBadEndpoint Reason = "bad-endpoint"       // the declaration cannot be used
	ReasonDisabled    Reason = "disabled"           // the pod turned pprof capture off
	ReasonRefused     Reason = "connection-refused" // nothing listens on the port
	ReasonUnreachable Reason = "unreachable"        // no route, TLS failure, …
	ReasonNotFound    Reason = "pprof-not-found"    // the program answered 404
	ReasonAppDenied   Reason = "app-denied"         // the program answered 401/403
	ReasonForbidden   Reason = "forbidden"          // RBAC: no get on pods/proxy (nodes/proxy)
	ReasonPodNotFound Reason = "pod-not-found"      // the pod is gone
	ReasonTimeout     Reason = "timeout"            // no complete answer in time
	ReasonTruncated   Reason = "truncated"          // larger than the output cap
	ReasonUnparseable Reason = "unparseable"        // not a profile of the expected kind
	ReasonHTTPError   Reason = "http-error"         // any other answer, e.g. 500 "cpu profiling already in use"
)

// Failure is a failed collection: a reason and a message naming what to do.
type Failure struct {
	Reason  Reason `json:"reason"`
	Message string `json:"message"`
}

// Error makes a Failure usable as an error.
func (f *Failure) Error() string { return string(f.Reason) + ": " + f.Message }

// Target is where profiles are fetched from: a pod's declared endpoint, or
// the kubelet of a node (Node set, Pod empty) at /debug/pprof.
type Target struct {
	Namespace string
	Pod       string
	Endpoint  Endpoint
	Node      string
}

func (t Target) proxyTarget() kube.ProxyTarget {
	if t.Pod == "" {
		return kube.ProxyTarget{Node: t.Node}
	}
	return kube.ProxyTarget{Namespace: t.Namespace, Pod: t.Pod, Scheme: t.Endpoint.Scheme, Port: t.Endpoint.Port}
}

func (t Target) basePath() string {
	if t.Pod == "" {
		return DefaultPath
	}
	return strings.TrimRight(t.Endpoint.Path, "/")
}

// String names the target for messages.
func (t Target) String() string {
	if t.Pod == "" {
		return "the kubelet of node " + t.Node
	}
	return fmt.Sprintf("%s://:%d%s of container %q in pod %s/%s", t.Endpoint.Scheme, t.Endpoint.Port, t.basePath(), t.Endpoint.Container, t.Namespace, t.Pod)
}

// Request is one profile to collect.
type Request struct {
	Kind   Kind
	Target Target
	// Window is the CPU profile's duration (whole seconds, at least 1:
	// net/http/pprof takes an integer). Ignored for other kinds.
	Window time.Duration
	// MaxBytes caps the raw profile (> 0).
	MaxBytes int64
	// Parse bounds the summary.
	Parse Options
}

// Evidence is a collected profile: the raw bytes as served (gzipped
// protobuf, what `go tool pprof` opens) and the summary of its kind. On
// failure Failure is set and Raw holds whatever arrived (for truncated
// profiles, the first MaxBytes).
type Evidence struct {
	Kind Kind `json:"kind"`
	// Source is the endpoint declaration used (Endpoint.Source) or "kubelet".
	Source string `json:"source"`
	// Path is the path and query fetched, e.g. "/debug/pprof/profile?seconds=2".
	Path       string            `json:"path"`
	Raw        []byte            `json:"-"`
	Started    time.Time         `json:"started"`
	Took       time.Duration     `json:"tookNanos"`
	CPU        *CPUSummary       `json:"cpu,omitempty"`
	Goroutines *GoroutineSummary `json:"goroutines,omitempty"`
	Heap       *HeapSummary      `json:"heap,omitempty"`
	Failure    *Failure          `json:"failure,omitempty"`
}

// WindowSeconds is the CPU profile duration sent for a window: whole
// seconds, rounded up, at least one.
func WindowSeconds(window time.Duration) int {
	s := int(math.Ceil(window.Seconds()))
	if s < 1 {
		return 1
	}
	return s
}

// Collect fetches one profile through the API server's proxy and
// summarises it. It never returns a nil Evidence: every failure is an
// Evidence with a Failure. ctx bounds the fetch; for a CPU profile it must
// outlast the window.
func Collect(ctx context.Context, proxy kube.Proxier, req Request) *Evidence {
	ev := &Evidence{Kind: req.Kind, Started: time.Now(), Source: req.Target.Endpoint.Source}
	if req.Target.Pod == "" {
		ev.Source = "kubelet"
	}
	defer func() {
		ev.Took = time.Since(ev.Started)
		if r := recover(); r != nil {
			ev.Failure = &Failure{Reason: ReasonUnparseable, Message: fmt.Sprintf("internal error while reading the %s profile: %v", req.Kind, r)}
		}
	}()
	path, query, err := profilePath(req)
	if err != nil {
		ev.Failure = &Failure{Reason: ReasonBadEndpoint, Message: err.Error()}
		return ev
	}
	ev.Path = path
	if len(query) > 0 {
		ev.Path += "?" + query.Encode()
	}
	if dl, ok := ctx.Deadline(); ok && req.Kind == KindCPU {
		if left, need := time.Until(dl), time.Duration(WindowSeconds(req.Window))*time.Second; left <= need {
			ev.Failure = &Failure{Reason: ReasonTimeout, Message: fmt.Sprintf(
				"the CPU profile takes %s but only %s of the capture timeout are left: raise captureTimeout above the sample window (whole seconds for Go)",
				need, left.Round(time.Millisecond))}
			return ev
		}
	}
	resp, err := proxy.ProxyGet(ctx, kube.ProxyRequest{Target: req.Target.proxyTarget(), Path: path, Query: query, MaxBytes: req.MaxBytes})
	if err != nil {
		ev.Failure = classify(ctx, req, ev.Path, err)
		return ev
	}
	ev.Raw = resp.Body
	if resp.Truncated {
		ev.Failure = &Failure{Reason: ReasonTruncated, Message: fmt.Sprintf(
			"the %s profile from %s is larger than the output cap of %d bytes; the first %d bytes are kept but cannot be read as a profile: raise maxOutputBytes",
			req.Kind, req.Target, req.MaxBytes, len(resp.Body))}
		return ev
	}
	switch req.Kind {
	case KindCPU:
		ev.CPU, err = ParseCPU(resp.Body, req.Parse)
	case KindGoroutines:
		ev.Goroutines, err = ParseGoroutines(resp.Body, req.Parse)
	case KindHeap:
		ev.Heap, err = ParseHeap(resp.Body, req.Parse)
	}
	if err != nil {
		ev.Failure = &Failure{Reason: ReasonUnparseable, Message: fmt.Sprintf(
			"%s answered %s with %d bytes (%s) that are not a %s profile: %v; check that the declared path is net/http/pprof's",
			req.Target, ev.Path, len(resp.Body), orUnknown(resp.ContentType), req.Kind, err)}
	}
	return ev
}

func orUnknown(s string) string {
	if s == "" {
		return "no content type"
	}
	return s
}

// profilePath is the path and query for req's kind: the CPU profile over
// the window, the goroutine and heap profiles as protobuf (debug=0).
func profilePath(req Request) (string, url.Values, error) {
	if req.MaxBytes <= 0 {
		return "", nil, errors.New("pprof: MaxBytes must be positive")
	}
	if req.Target.Pod == "" && req.Target.Node == "" {
		return "", nil, errors.New("pprof: target needs a pod or a node")
	}
	base := req.Target.basePath()
	switch req.Kind {
	case KindCPU:
		return base + "/profile", url.Values{"seconds": {strconv.Itoa(WindowSeconds(req.Window))}}, nil
	case KindGoroutines:
		return base + "/goroutine", nil, nil
	case KindHeap:
		return base + "/heap", nil, nil
	default:
		return "", nil, fmt.Errorf("pprof: unknown evidence kind %q", req.Kind)
	}
}

// classify turns a proxy error into a reason and a message naming what to do.
func classify(ctx context.Context, req Request, path string, err error) *Failure {
	where := req.Target.String()
	var forbidden *kube.ForbiddenError
	switch {
	case errors.As(err, &forbidden):
		grant := "get on pods/proxy in namespace " + req.Target.Namespace
		if req.Target.Pod == "" {
			grant = "get on nodes/proxy (cluster-wide; a powerful grant)"
		}
		return &Failure{Reason: ReasonForbidden, Message: fmt.Sprintf("the API server refused the plugin's identity %s: grant %s to the plugin's service account: %v", path, grant, err)}
	case errors.Is(err, kube.ErrProxyRefused):
		return &Failure{Reason: ReasonRefused, Message: fmt.Sprintf("nothing listens at %s (connection refused): check the declared port (%s) and that the program starts its pprof server: %v", where, sourceOf(req), err)}
	case errors.Is(err, kube.ErrProxyNotFound):
		return &Failure{Reason: ReasonNotFound, Message: fmt.Sprintf("%s answered 404 for %s: net/http/pprof is not registered there (import _ \"net/http/pprof\" on the server's mux) or it is under another path; declare the path in the annotation %s: %v", where, path, Annotation, err)}
	case errors.Is(err, kube.ErrProxyAppDenied):
		return &Failure{Reason: ReasonAppDenied, Message: fmt.Sprintf("the program at %s refused %s (it wants credentials the plugin does not send): serve pprof on a port without authentication that only the cluster reaches, and declare it: %v", where, path, err)}
	case errors.Is(err, kube.ErrPodNotFound):
		return &Failure{Reason: ReasonPodNotFound, Message: fmt.Sprintf("pod %s/%s is gone: %v", req.Target.Namespace, req.Target.Pod, err)}
	case errors.Is(err, kube.ErrProxyTimeout) || ctx.Err() != nil:
		msg := fmt.Sprintf("no complete answer from %s for %s before the capture timeout", where, path)
		if req.Kind == KindCPU {
			msg += fmt.Sprintf(" (the CPU profile alone takes %ds)", WindowSeconds(req.Window))
		}
		return &Failure{Reason: ReasonTimeout, Message: msg + ": raise captureTimeout or check that the program is responsive: " + err.Error()}
	case errors.Is(err, kube.ErrProxyUnreachable):
		return &Failure{Reason: ReasonUnreachable, Message: fmt.Sprintf("the API server could not reach %s: check the scheme (http or https) and the pod's network: %v", where, err)}
	case strings.Contains(err.Error(), "HTTP request to an HTTPS server"):
		return &Failure{Reason: ReasonHTTPError, Message: fmt.Sprintf("%s serves HTTPS: declare the scheme https (\"https://:%d%s\" or a port named \"https-pprof\"): %v", where, req.Target.Endpoint.Port, req.Target.basePath(), err)}
	default:
		return &Failure{Reason: ReasonHTTPError, Message: fmt.Sprintf("%s for %s: %v", where, path, err)}
	}
}

func sourceOf(req Request) string {
	if req.Target.Pod == "" {
		return "kubelet"
	}
	return "from " + req.Target.Endpoint.Source
}
