package kube_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
)

// containerPath gives test containers the machine's shell and coreutils.
const containerPath = "PATH=/usr/local/bin:/usr/bin:/bin"

// guard bounds any single exec in these tests; it is a hang detector only.
const guard = 60 * time.Second

var transports = []kube.ExecTransport{kube.ExecTransportWebSocket, kube.ExecTransportSPDY, kube.ExecTransportFallback}

func transportName(tr kube.ExecTransport) string {
	if tr == kube.ExecTransportFallback {
		return "fallback"
	}
	return string(tr)
}

// newEnv starts a kubetest server with pod shop/app (container "app" with a
// shell) and returns it with a client forced to transport.
func newEnv(t *testing.T, tr kube.ExecTransport) (*kubetest.Server, *kube.Client) {
	t.Helper()
	srv := kubetest.NewServer(t)
	srv.AddPod(kubetest.PodSpec{
		Namespace: "shop", Name: "app", Node: "node-a",
		Containers: []kubetest.ContainerSpec{{Name: "app", Env: []string{containerPath}}},
	})
	c, err := kube.NewForConfigWithTransport(srv.RESTConfig(), tr)
	if err != nil {
		t.Fatalf("NewForConfigWithTransport: %v", err)
	}
	return srv, c
}

func guardedCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	t.Cleanup(cancel)
	return ctx
}

// recordTransports makes srv remember the transport of every exec.
func recordTransports(srv *kubetest.Server) func() []string {
	var mu sync.Mutex
	var seen []string
	srv.OnExec(func(_ context.Context, ev kubetest.ExecEvent) error {
		mu.Lock()
		seen = append(seen, ev.Transport)
		mu.Unlock()
		return nil
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func TestExecScriptOnStdinExitCodeAndStreams(t *testing.T) {
	// The script ends with an explicit exit: WebSocket v4 cannot signal the
	// end of stdin (see ExecRequest.Stdin).
	script := "echo out-line\necho 'err line' >&2\nprintf 'tail-without-newline'\nexit 3\n"
	wantTransport := map[kube.ExecTransport]string{
		kube.ExecTransportWebSocket: "websocket",
		kube.ExecTransportSPDY:      "spdy",
		kube.ExecTransportFallback:  "websocket",
	}
	for _, tr := range transports {
		t.Run(transportName(tr), func(t *testing.T) {
			srv, c := newEnv(t, tr)
			seen := recordTransports(srv)
			var stdout, stderr bytes.Buffer
			err := c.Exec(guardedCtx(t), kube.ExecRequest{
				Namespace: "shop", Pod: "app", Container: "app",
				Command: []string{"sh", "-s"},
				Stdin:   strings.NewReader(script),
				Stdout:  &stdout, Stderr: &stderr,
			})
			code, ok := kube.ExitCode(err)
			if !ok || code != 3 {
				t.Fatalf("Exec error = %v; want exit code 3 (got code %d, exited %v)", err, code, ok)
			}
			if got, want := stdout.String(), "out-line\ntail-without-newline"; got != want {
				t.Errorf("stdout = %q, want %q", got, want)
			}
			if got, want := stderr.String(), "err line\n"; got != want {
				t.Errorf("stderr = %q, want %q", got, want)
			}
			if got := seen(); len(got) != 1 || got[0] != wantTransport[tr] {
				t.Errorf("server saw transports %v, want [%s]", got, wantTransport[tr])
			}
			if errors.Is(err, kube.ErrForbidden) || errors.Is(err, kube.ErrExecutableNotFound) {
				t.Errorf("exit error misclassified: %v", err)
			}

			// Exit 0 is success, and the environment is the container's.
			stdout.Reset()
			err = c.Exec(guardedCtx(t), kube.ExecRequest{
				Namespace: "shop", Pod: "app", Container: "app",
				Command: []string{"sh", "-c", `printf '%s|%s' "$PATH" "${HOME-unset}"`},
				Stdout:  &stdout,
			})
			if err != nil {
				t.Fatalf("Exec exit 0: %v", err)
			}
			if got, want := stdout.String(), strings.TrimPrefix(containerPath, "PATH=")+"|unset"; got != want {
				t.Errorf("container env = %q, want %q", got, want)
			}
		})
	}
}

func TestExecStdinEndReachesCommandOverSPDY(t *testing.T) {
	// SPDY half-closes stdin, so a command reading to EOF (cat) finishes and
	// binary data passes through unchanged.
	_, c := newEnv(t, kube.ExecTransportSPDY)
	in := make([]byte, 256*1024)
	if _, err := rand.Read(in); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := c.Exec(guardedCtx(t), kube.ExecRequest{
		Namespace: "shop", Pod: "app", Container: "app",
		Command: []string{"cat"}, Stdin: bytes.NewReader(in), Stdout: &out,
	})
	if err != nil {
		t.Fatalf("Exec cat: %v", err)
	}
	if !bytes.Equal(out.Bytes(), in) {
		t.Fatalf("cat returned %d bytes that differ from the %d sent", out.Len(), len(in))
	}
}

func TestExecLargeStdoutArrivesIntact(t *testing.T) {
	const size = 20 << 20
	dir := t.TempDir()
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "blob")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(data)
	for _, tr := range []kube.ExecTransport{kube.ExecTransportWebSocket, kube.ExecTransportSPDY} {
		t.Run(transportName(tr), func(t *testing.T) {
			_, c := newEnv(t, tr)
			h := sha256.New()
			counter := &countingWriter{w: h}
			err := c.Exec(guardedCtx(t), kube.ExecRequest{
				Namespace: "shop", Pod: "app", Container: "app",
				Command: []string{"head", "-c", strconv.Itoa(size), file},
				Stdout:  counter,
			})
			if err != nil {
				t.Fatalf("Exec head: %v", err)
			}
			if counter.n != size {
				t.Fatalf("received %d bytes, want %d", counter.n, size)
			}
			if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
				t.Fatalf("sha256 of received stdout %x, want %x", got, want)
			}
		})
	}
}

type countingWriter struct {
	w interface{ Write([]byte) (int, error) }
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

func TestExecContainerWithoutShell(t *testing.T) {
	for _, tr := range transports {
		t.Run(transportName(tr), func(t *testing.T) {
			srv, c := newEnv(t, tr)
			srv.AddPod(kubetest.PodSpec{
				Namespace: "shop", Name: "distroless",
				// A PATH that exists but holds no sh, like a distroless image.
				Containers: []kubetest.ContainerSpec{{Name: "app", Env: []string{"PATH=" + t.TempDir()}}},
			})
			var stdout bytes.Buffer
			err := c.Exec(guardedCtx(t), kube.ExecRequest{
				Namespace: "shop", Pod: "distroless", Container: "app",
				Command: []string{"sh", "-c", "echo hi"}, Stdout: &stdout,
			})
			if !errors.Is(err, kube.ErrExecutableNotFound) {
				t.Fatalf("Exec without shell: error %v, want ErrExecutableNotFound", err)
			}
			if !strings.Contains(err.Error(), `exec: "sh": executable file not found in $PATH`) {
				t.Errorf("error %q does not carry the runtime's message", err)
			}
			if _, ok := kube.ExitCode(err); ok {
				t.Errorf("a command that never started reported an exit code: %v", err)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
		})
	}
}

func TestExecForbidden(t *testing.T) {
	for _, tr := range transports {
		t.Run(transportName(tr), func(t *testing.T) {
			srv, c := newEnv(t, tr)
			srv.Deny("create", "pods", "exec")
			err := c.Exec(guardedCtx(t), kube.ExecRequest{
				Namespace: "shop", Pod: "app", Container: "app",
				Command: []string{"true"}, Stdout: &bytes.Buffer{},
			})
			if !errors.Is(err, kube.ErrForbidden) {
				t.Fatalf("Exec denied: error %v, want ErrForbidden", err)
			}
			var fe *kube.ForbiddenError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *ForbiddenError", err)
			}
			if fe.Verb != "create" || fe.Resource != "pods" || fe.Subresource != "exec" || fe.Namespace != "shop" {
				t.Errorf("ForbiddenError = %+v, want create pods/exec in shop", fe)
			}
			want := `forbidden: cannot create pods/exec in namespace "shop" (RBAC: grant "create" on "pods/exec")`
			if err.Error() != want {
				t.Errorf("message %q, want %q", err.Error(), want)
			}
			if started, _, _ := srv.ExecStats(); started != 0 {
				t.Errorf("a denied exec reached the container %d times", started)
			}
		})
	}
}

func TestExecPodAndContainerNotFound(t *testing.T) {
	cases := []struct {
		name, pod, container string
		want                 error
	}{
		{"missing pod", "gone", "app", kube.ErrPodNotFound},
		{"missing container", "app", "sidecar", kube.ErrContainerNotFound},
	}
	for _, tr := range transports {
		for _, tc := range cases {
			t.Run(transportName(tr)+"/"+tc.name, func(t *testing.T) {
				srv, c := newEnv(t, tr)
				err := c.Exec(guardedCtx(t), kube.ExecRequest{
					Namespace: "shop", Pod: tc.pod, Container: tc.container,
					Command: []string{"true"}, Stdout: &bytes.Buffer{},
				})
				if !errors.Is(err, tc.want) {
					t.Fatalf("error %v, want %v", err, tc.want)
				}
				if started, _, _ := srv.ExecStats(); started != 0 {
					t.Errorf("exec reached a container %d times", started)
				}
			})
		}
	}
}

func TestExecDeadlineKillsProcess(t *testing.T) {
	for _, tr := range []kube.ExecTransport{kube.ExecTransportWebSocket, kube.ExecTransportSPDY} {
		t.Run(transportName(tr), func(t *testing.T) {
			srv, c := newEnv(t, tr)
			pidFile := filepath.Join(t.TempDir(), "pid")
			// A loaded machine may not even start sh within the deadline;
			// then retry with a longer one rather than assert on nothing.
			var pid int
			for _, timeout := range []time.Duration{300 * time.Millisecond, 2 * time.Second, 10 * time.Second} {
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				done := make(chan error, 1)
				go func() {
					done <- c.Exec(ctx, kube.ExecRequest{
						Namespace: "shop", Pod: "app", Container: "app",
						Command: []string{"sh", "-c", fmt.Sprintf("echo $$ > %s.tmp && mv %s.tmp %s && exec sleep 30", pidFile, pidFile, pidFile)},
						Stdout:  &bytes.Buffer{},
					})
				}()
				var err error
				select {
				case err = <-done:
				case <-time.After(25 * time.Second):
					cancel()
					t.Fatalf("Exec did not return long after its %v deadline", timeout)
				}
				cancel()
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("Exec error %v, want context.DeadlineExceeded", err)
				}
				if b, readErr := os.ReadFile(pidFile); readErr == nil {
					if pid, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
						t.Fatalf("pid file %q: %v", b, err)
					}
					break
				}
			}
			if pid == 0 {
				t.Fatal("the command never started, even with a 10s deadline")
			}
			waitGone(t, pid)
			waitFor(t, "no exec left active on the server", func() bool {
				_, active, _ := srv.ExecStats()
				return active == 0
			})
		})
	}
}

// waitGone waits until pid no longer exists (the server reaps its children).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("process %d to be gone", pid), func() bool {
		return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestExecFallsBackToSPDYWhenWebSocketRejected(t *testing.T) {
	srv, fallback := newEnv(t, kube.ExecTransportFallback)
	srv.RejectWebSocket(true)
	seen := recordTransports(srv)

	var stdout bytes.Buffer
	err := fallback.Exec(guardedCtx(t), kube.ExecRequest{
		Namespace: "shop", Pod: "app", Container: "app",
		Command: []string{"sh", "-s"}, Stdin: strings.NewReader("echo via-fallback\nexit 4\n"), Stdout: &stdout,
	})
	if code, ok := kube.ExitCode(err); !ok || code != 4 {
		t.Fatalf("fallback Exec error %v, want exit code 4", err)
	}
	if stdout.String() != "via-fallback\n" {
		t.Errorf("stdout = %q", stdout.String())
	}
	if got := seen(); len(got) != 1 || got[0] != "spdy" {
		t.Errorf("server saw transports %v, want [spdy]", got)
	}

	// Control: without fallback the rejection is an error and nothing runs.
	wsOnly, err := kube.NewForConfigWithTransport(srv.RESTConfig(), kube.ExecTransportWebSocket)
	if err != nil {
		t.Fatal(err)
	}
	err = wsOnly.Exec(guardedCtx(t), kube.ExecRequest{
		Namespace: "shop", Pod: "app", Container: "app", Command: []string{"true"}, Stdout: &bytes.Buffer{},
	})
	if err == nil || !strings.Contains(err.Error(), "upgrade") {
		t.Fatalf("websocket-only Exec against a rejecting server: error %v, want an upgrade failure", err)
	}
	if got := seen(); len(got) != 1 {
		t.Errorf("rejected websocket exec reached the container: %v", got)
	}
}

func TestExecHookObservesConcurrency(t *testing.T) {
	srv, c := newEnv(t, kube.ExecTransportFallback)
	const n = 3
	arrived := make(chan struct{}, n)
	release := make(chan struct{})
	srv.OnExec(func(ctx context.Context, _ kubetest.ExecEvent) error {
		arrived <- struct{}{}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	errs := make(chan error, n)
	for range n {
		go func() {
			errs <- c.Exec(guardedCtx(t), kube.ExecRequest{
				Namespace: "shop", Pod: "app", Container: "app", Command: []string{"true"}, Stdout: &bytes.Buffer{},
			})
		}()
	}
	for range n {
		select {
		case <-arrived:
		case <-time.After(guard):
			t.Fatal("execs did not all arrive")
		}
	}
	if _, active, _ := srv.ExecStats(); active != n {
		t.Errorf("active execs = %d while %d are held, want %d", active, n, n)
	}
	close(release)
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("held exec: %v", err)
		}
	}
	if started, active, maxActive := srv.ExecStats(); started != n || active != 0 || maxActive != n {
		t.Errorf("ExecStats = %d started, %d active, %d max; want %d, 0, %d", started, active, maxActive, n, n)
	}

	// A failing hook is a runtime error whose message reaches the client.
	srv.OnExec(func(context.Context, kubetest.ExecEvent) error { return errors.New("runtime on fire") })
	err := c.Exec(guardedCtx(t), kube.ExecRequest{
		Namespace: "shop", Pod: "app", Container: "app", Command: []string{"true"}, Stdout: &bytes.Buffer{},
	})
	if err == nil || !strings.Contains(err.Error(), "runtime on fire") {
		t.Fatalf("Exec with failing hook: %v, want the hook's error", err)
	}
}

func TestExecKilledBySignalReportsShellStyleCode(t *testing.T) {
	_, c := newEnv(t, kube.ExecTransportFallback)
	err := c.Exec(guardedCtx(t), kube.ExecRequest{
		Namespace: "shop", Pod: "app", Container: "app",
		Command: []string{"sh", "-c", "kill -KILL $$"}, Stdout: &bytes.Buffer{},
	})
	if code, ok := kube.ExitCode(err); !ok || code != 128+9 {
		t.Fatalf("Exec of a SIGKILLed command: %v, want exit code 137", err)
	}
}
