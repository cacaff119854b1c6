package kubetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	"k8s.io/streaming/pkg/httpstream/wsstream"
	utilexec "k8s.io/utils/exec"
)

// serveExec handles pods/{name}/exec the way the API server + kubelet pair
// does: authorize, resolve pod and container, then hand the connection to the
// kubelet's streaming code (ServeExec), which upgrades to WebSocket or SPDY.
func (s *Server) serveExec(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("ns"), r.PathValue("name")
	if s.isDenied("create", "pods", "exec") {
		writeStatus(w, forbidden("create", "pods", "exec", ns, name))
		return
	}
	s.mu.Lock()
	rejectWS := s.rejectWebSocket
	s.mu.Unlock()
	if rejectWS && wsstream.IsWebSocketRequest(r) {
		http.Error(w, "kubetest: websocket upgrades are rejected", http.StatusBadRequest)
		return
	}
	p := s.lookup(w, r)
	if p == nil {
		return
	}
	opts, cmd, err := execOptions(r)
	if err != nil {
		writeStatus(w, err)
		return
	}
	c, err := p.container(r.URL.Query().Get("container"))
	if err != nil {
		writeStatus(w, err)
		return
	}

	ctx, cancel := connContext(r)
	defer cancel()
	transport := "spdy"
	if wsstream.IsWebSocketRequest(r) {
		transport = "websocket"
	}
	runner := &containerExecutor{server: s, namespace: ns, container: c.spec, transport: transport}
	remotecommand.ServeExec(w, r.WithContext(ctx), runner, name, string(p.obj.UID), c.spec.Name, cmd, opts,
		streamIdleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

// execOptions maps the API server's query parameters (stdin=true, command
// repeated, …) onto the kubelet streaming options; the kubelet's own
// remotecommand.NewOptions reads different parameter names (input=1, …).
func execOptions(r *http.Request) (*remotecommand.Options, []string, *apierrors.StatusError) {
	q := r.URL.Query()
	flag := func(key string) (bool, *apierrors.StatusError) {
		v := q.Get(key)
		if v == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, apierrors.NewBadRequest(fmt.Sprintf("invalid %s=%q: %v", key, v, err))
		}
		return b, nil
	}
	var opts remotecommand.Options
	for _, f := range []struct {
		key string
		dst *bool
	}{{"stdin", &opts.Stdin}, {"stdout", &opts.Stdout}, {"stderr", &opts.Stderr}, {"tty", &opts.TTY}} {
		v, err := flag(f.key)
		if err != nil {
			return nil, nil, err
		}
		*f.dst = v
	}
	if opts.TTY && opts.Stderr {
		return nil, nil, apierrors.NewBadRequest("tty and stderr cannot both be true")
	}
	if !opts.Stdin && !opts.Stdout && !opts.Stderr {
		return nil, nil, apierrors.NewBadRequest("you must specify at least 1 of stdin, stdout, stderr")
	}
	cmd := q["command"]
	if len(cmd) == 0 || cmd[0] == "" {
		return nil, nil, apierrors.NewBadRequest("you must specify a command")
	}
	return &opts, cmd, nil
}

// processWaitDelay bounds how long an exec waits for its stdout/stderr to
// drain after the command exited (a background child may hold them open) and
// for the process group to die after a kill.
const processWaitDelay = 2 * time.Second

// containerExecutor runs commands "in" one container: on this machine, with
// the container's environment. It implements remotecommand.Executor.
type containerExecutor struct {
	server    *Server
	namespace string
	container ContainerSpec
	transport string
}

func (e *containerExecutor) ExecInContainer(ctx context.Context, podName, _ string, containerName string, cmd []string, in io.Reader, out, errOut io.WriteCloser, _ bool, _ <-chan remotecommand.TerminalSize, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	s := e.server
	s.mu.Lock()
	hook := s.execHook
	s.execsStarted++
	s.execsActive++
	s.execsMaxActive = max(s.execsMaxActive, s.execsActive)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.execsActive--
		s.mu.Unlock()
	}()
	defer closeAll(out, errOut)

	if hook != nil {
		ev := ExecEvent{Namespace: e.namespace, Pod: podName, Container: containerName, Command: append([]string(nil), cmd...), Transport: e.transport}
		if err := hook(ctx, ev); err != nil {
			return fmt.Errorf("kubetest exec hook: %w", err)
		}
	}

	path, err := lookPath(cmd[0], envValue(e.container.Env, "PATH"))
	if err != nil {
		// What containerd/runc report when the image lacks the binary; the
		// streaming server turns it into an InternalError status.
		return fmt.Errorf("failed to exec in container: unable to start container process: %w", err)
	}
	proc := exec.CommandContext(ctx, path, cmd[1:]...)
	proc.Args[0] = cmd[0]
	proc.Env = append([]string{}, e.container.Env...)
	proc.Dir = "/"
	proc.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	proc.Cancel = func() error {
		// The command's whole process group, like a container's exec session.
		return syscall.Kill(-proc.Process.Pid, syscall.SIGKILL)
	}
	proc.WaitDelay = processWaitDelay
	if out != nil {
		proc.Stdout = out
	}
	if errOut != nil {
		proc.Stderr = errOut
	}
	var stdin io.WriteCloser
	if in != nil {
		if stdin, err = proc.StdinPipe(); err != nil {
			return fmt.Errorf("kubetest: stdin pipe: %w", err)
		}
	}
	if err := proc.Start(); err != nil {
		return fmt.Errorf("failed to exec in container: unable to start container process: %w", err)
	}
	if stdin != nil {
		// Not waited for: without a stdin close signal (WebSocket v4) the
		// copy ends only when the connection closes after this returns.
		go func() {
			_, _ = io.Copy(stdin, in)
			_ = stdin.Close()
		}()
	}
	err = proc.Wait()
	// Leftover members of the group (backgrounded by the command) die with
	// the session, as they do when a container's exec session ends.
	_ = syscall.Kill(-proc.Process.Pid, syscall.SIGKILL)
	return exitError(err)
}

// exitError converts os/exec's result into what the kubelet returns: a
// k8s.io/utils/exec.ExitError carrying the status, so ServeExec reports
// NonZeroExitCode with the code. Death by signal N is 128+N, as in a shell.
func exitError(err error) error {
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("kubetest: wait for command: %w", err)
	}
	code := ee.ExitCode()
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = 128 + int(ws.Signal())
	}
	return utilexec.CodeExitError{Err: err, Code: code}
}

func closeAll(ws ...io.WriteCloser) {
	for _, w := range ws {
		if w != nil {
			_ = w.Close()
		}
	}
}

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

// lookPath resolves name the way a container runtime does: names with a
// slash are used as is, others are searched in the container's PATH only.
// Errors carry Go's exec.ErrNotFound text, which runc also reports.
func lookPath(name, pathEnv string) (string, error) {
	if strings.Contains(name, "/") {
		if err := checkExecutable(name); err != nil {
			return "", &exec.Error{Name: name, Err: err}
		}
		return name, nil
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		if checkExecutable(p) == nil {
			return p, nil
		}
	}
	return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
}

func checkExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fs.ErrPermission
	}
	return nil
}
