package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	remotecommandconsts "k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"
)

// ExecRequest is one command to run in a container. There is never a TTY.
type ExecRequest struct {
	Namespace string
	Pod       string
	Container string // empty lets the API server pick the default container
	Command   []string
	// Stdin, when set, is streamed to the command. Over the WebSocket v4
	// protocol the end of Stdin cannot be signalled to the container (only v5
	// and SPDY can), so scripts fed on stdin must end with an explicit `exit`.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Executor runs commands in containers. It is the seam the capture package
// depends on; *Client implements it.
type Executor interface {
	Exec(ctx context.Context, req ExecRequest) error
}

var _ Executor = (*Client)(nil)

// ExitCode reports the exit status of a command that ran and exited non-zero.
// ok is false when err is not (or does not wrap) a command exit.
func ExitCode(err error) (code int, ok bool) {
	var exitErr utilexec.ExitError
	if errors.As(err, &exitErr) && exitErr.Exited() {
		return exitErr.ExitStatus(), true
	}
	return 0, false
}

// Exec runs req.Command in the container and streams its stdio. It returns
// nil only when the command exited 0. A non-zero exit wraps client-go's
// exec.CodeExitError (see ExitCode); RBAC denial is a *ForbiddenError for
// "create pods/exec"; cancellation of ctx returns an error wrapping ctx.Err().
func (c *Client) Exec(ctx context.Context, req ExecRequest) error {
	if len(req.Command) == 0 {
		return errors.New("kube: exec with an empty command")
	}
	if req.Stdout == nil && req.Stderr == nil && req.Stdin == nil {
		return errors.New("kube: exec needs at least one of stdin, stdout, stderr")
	}
	u := c.streaming.RESTClient().Post().
		Resource("pods").Namespace(req.Namespace).Name(req.Pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: req.Container,
			Command:   req.Command,
			Stdin:     req.Stdin != nil,
			Stdout:    req.Stdout != nil,
			Stderr:    req.Stderr != nil,
		}, c.params).URL()

	executor, err := c.executor(u)
	if err != nil {
		return fmt.Errorf("exec into %s/%s: %w", req.Namespace, req.Pod, err)
	}
	// When ctx ends, StreamWithContext returns without waiting for client-go's copy
	// goroutines, which may still be writing stdout or reading stdin. The gate cuts them off
	// from the caller's streams when Exec returns, so callers can read their buffers at once.
	gate := &streamGate{}
	defer gate.close()
	err = executor.StreamWithContext(ctx, remotecommand.StreamOptions{
		Stdin:  gate.reader(req.Stdin),
		Stdout: gate.writer(req.Stdout),
		Stderr: gate.writer(req.Stderr),
	})
	if err == nil {
		return nil
	}
	return classifyExecError(ctx, err, req)
}

// errExecReturned is what a copy goroutine still running after Exec returned gets.
var errExecReturned = errors.New("kube: exec already returned")

// streamGate guards an exec's stdio: once closed, nothing reaches the caller's streams.
type streamGate struct {
	mu     sync.Mutex
	closed bool
}

func (g *streamGate) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// writer returns w behind the gate; nil stays nil (client-go reads nil as "no stream").
func (g *streamGate) writer(w io.Writer) io.Writer {
	if w == nil {
		return nil
	}
	return gatedWriter{g, w}
}

func (g *streamGate) reader(r io.Reader) io.Reader {
	if r == nil {
		return nil
	}
	return gatedReader{g, r}
}

type gatedWriter struct {
	g *streamGate
	w io.Writer
}

func (gw gatedWriter) Write(p []byte) (int, error) {
	gw.g.mu.Lock()
	defer gw.g.mu.Unlock()
	if gw.g.closed {
		return 0, errExecReturned
	}
	return gw.w.Write(p)
}

type gatedReader struct {
	g *streamGate
	r io.Reader
}

// Read holds the gate only to check it, so that a blocking Read of the caller's reader cannot
// keep Exec from returning; a Read already under way when Exec returns may still finish.
func (gr gatedReader) Read(p []byte) (int, error) {
	gr.g.mu.Lock()
	closed := gr.g.closed
	gr.g.mu.Unlock()
	if closed {
		return 0, errExecReturned
	}
	return gr.r.Read(p)
}

// executor builds a fresh executor per call: client-go's executors keep
// per-stream state and must not be shared by concurrent streams.
func (c *Client) executor(u *url.URL) (remotecommand.Executor, error) {
	// The WebSocket executor offers v5 (stdin close signal; API servers since
	// 1.30 translate it) and v4 (what kubelet/CRI streaming servers speak
	// directly, and what kubetest serves).
	newWS := func() (remotecommand.Executor, error) {
		return remotecommand.NewWebSocketExecutorForProtocols(c.restConfig, "GET", u.String(),
			remotecommandconsts.StreamProtocolV5Name, remotecommandconsts.StreamProtocolV4Name)
	}
	newSPDY := func() (remotecommand.Executor, error) {
		return remotecommand.NewSPDYExecutor(c.restConfig, "POST", u)
	}
	switch c.transport {
	case ExecTransportWebSocket:
		return newWS()
	case ExecTransportSPDY:
		return newSPDY()
	}
	ws, err := newWS()
	if err != nil {
		return nil, fmt.Errorf("websocket executor: %w", err)
	}
	spdy, err := newSPDY()
	if err != nil {
		return nil, fmt.Errorf("spdy executor: %w", err)
	}
	return remotecommand.NewFallbackExecutor(ws, spdy, shouldFallBackToSPDY)
}

// shouldFallBackToSPDY is kubectl's predicate (a refused upgrade, or the
// gorilla/websocket HTTPS-proxy limitation) minus refusals that are the API
// server's authoritative answer about the request itself: those would be
// refused again over SPDY, only with a less precise error.
func shouldFallBackToSPDY(err error) bool {
	if !httpstream.IsUpgradeFailure(err) && !httpstream.IsHTTPSProxyError(err) {
		return false
	}
	if status := upgradeStatus(err); status != nil {
		switch {
		case apierrors.IsForbidden(status), apierrors.IsNotFound(status), apierrors.IsUnauthorized(status),
			apierrors.IsBadRequest(status) && isContainerNotFoundMessage(status.Error()):
			return false
		}
	}
	return true
}

// upgradeStatus digs the API server's Status out of an exec error: the
// WebSocket executor puts it in UpgradeFailureError.Cause, which does not
// unwrap. It returns nil when there is none.
func upgradeStatus(err error) error {
	var upgradeErr *httpstream.UpgradeFailureError
	if errors.As(err, &upgradeErr) && upgradeErr.Cause != nil {
		err = upgradeErr.Cause
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return err
	}
	return nil
}

func classifyExecError(ctx context.Context, err error, req ExecRequest) error {
	where := fmt.Sprintf("exec %q in %s/%s", strings.Join(req.Command, " "), req.Namespace, req.Pod)
	if req.Container != "" {
		where += " container " + req.Container
	}
	if _, ok := ExitCode(err); ok {
		return fmt.Errorf("%s: %w", where, err)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		// Once ctx is done, whatever broke (usually the torn-down stream)
		// broke because of it.
		if errors.Is(err, ctxErr) {
			return fmt.Errorf("%s: %w", where, err)
		}
		return fmt.Errorf("%s: %w (stream ended with: %v)", where, ctxErr, err)
	}
	if status := upgradeStatus(err); status != nil {
		// Keep the full client-go error for the message, the status for
		// classification.
		switch {
		case apierrors.IsForbidden(status):
			return &ForbiddenError{Verb: deniedExecVerb(status.Error()), Resource: "pods", Subresource: "exec", Namespace: req.Namespace, Cause: status}
		case apierrors.IsNotFound(status):
			return fmt.Errorf("%s: %w: %w", where, ErrPodNotFound, err)
		case apierrors.IsBadRequest(status) && isContainerNotFoundMessage(status.Error()):
			return fmt.Errorf("%s: %w: %w", where, ErrContainerNotFound, err)
		}
		return fmt.Errorf("%s: %w", where, err)
	}
	msg := err.Error()
	switch {
	// SPDY upgrade refusals arrive as plain strings carrying the server's
	// Status message.
	case strings.Contains(msg, msgUpgradeFailed) && strings.Contains(msg, msgForbiddenFragment):
		return &ForbiddenError{Verb: deniedExecVerb(msg), Resource: "pods", Subresource: "exec", Namespace: req.Namespace, Cause: err}
	case strings.Contains(msg, msgUpgradeFailed) && strings.Contains(msg, fmt.Sprintf("pods %q not found", req.Pod)):
		return fmt.Errorf("%s: %w: %w", where, ErrPodNotFound, err)
	case strings.Contains(msg, msgUpgradeFailed) && isContainerNotFoundMessage(msg):
		return fmt.Errorf("%s: %w: %w", where, ErrContainerNotFound, err)
	case strings.Contains(msg, msgExecutableNotFound):
		return fmt.Errorf("%s: %w: %w", where, ErrExecutableNotFound, err)
	}
	return fmt.Errorf("%s: %w", where, err)
}

// deniedExecVerb is the verb the API server refused on pods/exec, from its RBAC message
// (`User "…" cannot get resource "pods/exec" …`). It differs by transport: the WebSocket
// upgrade is a GET, authorized as get and, since Kubernetes 1.35, also as create; SPDY is a
// POST, authorized as create. Without the phrase (1.35+'s create check on a WebSocket
// upgrade answers with a bare "is forbidden: ") the missing verb is create.
func deniedExecVerb(msg string) string {
	_, rest, ok := strings.Cut(msg, " cannot ")
	if ok {
		verb, after, _ := strings.Cut(rest, " ")
		if strings.HasPrefix(after, `resource "pods/exec"`) && verb != "" {
			return verb
		}
	}
	return "create"
}
