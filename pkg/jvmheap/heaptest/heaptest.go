// Package heaptest starts real JVMs whose heap is filled with one known class, for the
// heap-evidence tests and the class-histogram pause benchmark: HeapGrow keeps a cache of
// HeapGrow$Block objects (16 longs each) until the live heap holds the asked size, so
// that class tops GC.class_histogram by bytes on every JDK.
package heaptest

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
)

// TopClass is the class HeapGrow fills its heap with, as the class histogram names it.
const TopClass = "HeapGrow$Block"

// startTimeout guards start-up plus filling a multi-GiB heap on a loaded 2-core machine;
// it is a failure guard, not a performance bound.
const startTimeout = 5 * time.Minute

//go:embed HeapGrow.java
var source []byte

// Compile compiles HeapGrow.java with JDK 17's javac (JDK 25 runs the classes too).
// It skips under -short, like every live-JVM helper.
func Compile(t testing.TB) string {
	t.Helper()
	jvmtest.SkipIfShort(t)
	javac := filepath.Join(jvmtest.JDK17Home, "bin", "javac")
	jvmtest.RequireFile(t, javac)
	dir := t.TempDir()
	src := filepath.Join(dir, "HeapGrow.java")
	if err := os.WriteFile(src, source, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, javac, "-d", dir, src).CombinedOutput(); err != nil {
		t.Fatalf("javac HeapGrow.java: %v\n%s", err, out)
	}
	return dir
}

// Options shape the JVM.
type Options struct {
	// Xmx is the -Xmx value, e.g. "96m" (default "96m").
	Xmx string
	// LiveMB is how many MiB of blocks to keep; 0 means 70% of Xmx.
	LiveMB int
	// ChurnKBps keeps allocating that many KiB/s of short-lived byte[] after the fill.
	ChurnKBps int
	// Args are further JVM options (e.g. "-XX:+UseSerialGC", "-Xlog:safepoint:file=…").
	Args []string
}

// JVM is a running HeapGrow.
type JVM struct {
	PID    int
	Stdout string // stdout and stderr: where kill -3 writes
	Java   string
}

// Start runs HeapGrow with java and waits until its heap is filled. It is killed in
// t.Cleanup.
func Start(t testing.TB, java, classDir string, opts Options) JVM {
	t.Helper()
	jvmtest.SkipIfShort(t)
	jvmtest.RequireFile(t, java)
	if opts.Xmx == "" {
		opts.Xmx = "96m"
	}
	stdoutPath := filepath.Join(t.TempDir(), "heapgrow-stdout.log")
	stdout, err := os.Create(stdoutPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	args := []string{"-Xmx" + opts.Xmx, "-Xms" + opts.Xmx, "-XX:TieredStopAtLevel=1"}
	if opts.LiveMB > 0 {
		args = append(args, "-Dheap.liveMB="+strconv.Itoa(opts.LiveMB))
	}
	if opts.ChurnKBps > 0 {
		args = append(args, "-Dheap.churnKBps="+strconv.Itoa(opts.ChurnKBps))
	}
	args = append(args, opts.Args...)
	args = append(args, "-cp", classDir, "HeapGrow")
	cmd := exec.Command(java, args...)
	cmd.Stdout, cmd.Stderr = stdout, stdout
	cmd.Env = jvmtest.WithoutEnv(os.Environ(), "JAVA_HOME", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", java, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(startTimeout)
	for {
		b, _ := os.ReadFile(stdoutPath)
		if bytes.Contains(b, []byte("ready pid=")) {
			return JVM{PID: cmd.Process.Pid, Stdout: stdoutPath, Java: java}
		}
		select {
		case <-exited:
			t.Fatalf("%s %v exited before ready:\n%s", java, args, b)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not fill its heap within %v; output:\n%s", java, startTimeout, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Jcmd returns the jcmd beside java.
func Jcmd(java string) string { return filepath.Join(filepath.Dir(java), "jcmd") }

// String is for test names.
func (j JVM) String() string { return fmt.Sprintf("%s pid %d", j.Java, j.PID) }
