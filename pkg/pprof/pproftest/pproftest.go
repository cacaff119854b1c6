// Package pproftest runs a real Go program serving net/http/pprof (./target)
// for tests: built with the go command of the running toolchain, started on
// 127.0.0.1, stopped when the test ends.
package pproftest

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The target's known functions, as pprof names them.
const (
	BurnFunc  = "main.burnCPU"
	ParkFunc  = "main.parkOnGate"
	AllocFunc = "main.growHeap"
)

// Target is a running target program.
type Target struct {
	Host string // "127.0.0.1", or the host of Options.Addr
	Port int32
	PID  int
	// Parked is how many goroutines wait in ParkFunc.
	Parked int
}

// Options configure the target. Zero values use the defaults: 1,000 parked
// goroutines, 64 MiB of live heap, listening on 127.0.0.1, started as is.
type Options struct {
	Parked    int
	HeapBytes int
	// Addr is the listen address (host:port, port 0 for any); default "127.0.0.1:0".
	Addr string
	// Wrap is a command the target runs under, its path and arguments following:
	// e.g. {"ip", "netns", "exec", "ns1"} to listen inside a network namespace.
	// The wrapper must exec the target (stay one process) so stopping it stops the target.
	Wrap []string
}

// Start builds and starts the target program. It is skipped under -short
// (building and profiling a program takes seconds).
func Start(t testing.TB, opts Options) *Target {
	t.Helper()
	if testing.Short() {
		t.Skip("pproftest: builds and runs a Go program; skipped with -short")
	}
	if opts.Parked == 0 {
		opts.Parked = 1000
	}
	if opts.HeapBytes == 0 {
		opts.HeapBytes = 64 << 20
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	bin := filepath.Join(t.TempDir(), "pprof-target")
	goCmd, err := exec.LookPath("go")
	if err != nil { // go test exports GOROOT to the test binary
		goCmd = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("pproftest: cannot locate the target's source")
	}
	buildCtx, cancelBuild := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancelBuild()
	build := exec.CommandContext(buildCtx, goCmd, "build", "-buildvcs=false", "-o", bin, ".")
	build.Dir = filepath.Join(filepath.Dir(self), "target")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("pproftest: go build the target: %v\n%s", err, out)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var stdout io.ReadCloser
	argv := append(append([]string{}, opts.Wrap...), bin, "-addr", opts.Addr,
		"-parked", strconv.Itoa(opts.Parked), "-heap", strconv.Itoa(opts.HeapBytes))
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr // why a wrapped or failing target did not start
	stdout, err = cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatalf("pproftest: %v", err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("pproftest: start the target: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				lines <- addr
			}
		}
		close(lines)
	}()
	select {
	case addr, ok := <-lines:
		if !ok {
			t.Fatal("pproftest: the target exited before listening")
		}
		host, port, err := splitHostPort(addr)
		if err != nil {
			t.Fatalf("pproftest: target address %q: %v", addr, err)
		}
		return &Target{Host: host, Port: port, PID: cmd.Process.Pid, Parked: opts.Parked}
	case <-time.After(time.Minute):
		t.Fatal("pproftest: the target did not listen within a minute")
	}
	return nil
}

func splitHostPort(addr string) (string, int32, error) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "", 0, strconv.ErrSyntax
	}
	p, err := strconv.ParseInt(addr[i+1:], 10, 32)
	if err != nil {
		return "", 0, err
	}
	return addr[:i], int32(p), nil
}
