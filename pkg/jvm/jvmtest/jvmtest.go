// Package jvmtest starts real JVMs for tests: one thread spinning on CPU in Spin.spinHot,
// idle threads, and names that try to break parsers. Tests of the probe, the capture
// pipeline and the plugin use it so that "the hot thread ranks first" is measured, not assumed.
package jvmtest

import (
	"bytes"
	"context"
	_ "embed"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The JDKs on the project's machines: OpenJDK 17 (Debian's default java) and Temurin 25.
const (
	JDK17Home = "/usr/lib/jvm/java-17-openjdk-amd64"
	JDK25Home = "/usr/lib/jvm/temurin-25-jdk-amd64"
)

// IdleThreadsArg returns the JVM argument that makes Spin start n more sleeping threads
// (named pool-idle-0 …), for measuring captures of JVMs with many threads.
func IdleThreadsArg(n int) string { return "-Dspin.idleThreads=" + strconv.Itoa(n) }

// HotThread and HotMethod name the spinning thread and the frame it spins in.
const (
	HotThread = "hot-spinner"
	HotMethod = "Spin.spinHot"
	OddName   = `odd "quoted" (parens) 线程`
)

// startTimeout guards JVM start-up on a loaded 2-core machine; it is not a performance bound.
const startTimeout = 90 * time.Second

//go:embed Spin.java
var spinSource []byte

// JVM is a running Spin program.
type JVM struct {
	PID int
	// Stdout is the file the JVM's stdout and stderr go to: the "container log" a kill -3 dump lands in.
	Stdout string
	// Java is the java binary it runs from.
	Java string
}

// Compile compiles Spin.java with JDK 17's javac (JDK 25 runs those classes too) into a temp dir.
func Compile(t testing.TB) string {
	t.Helper()
	SkipIfShort(t)
	javac := filepath.Join(JDK17Home, "bin", "javac")
	RequireFile(t, javac)
	dir := t.TempDir()
	src := filepath.Join(dir, "Spin.java")
	if err := os.WriteFile(src, spinSource, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, javac, "-d", dir, src).CombinedOutput(); err != nil {
		t.Fatalf("javac Spin.java: %v\n%s", err, out)
	}
	return dir
}

// SkipIfShort skips a test that needs a live JVM under `go test -short`: a small change gets
// feedback in seconds, while the full test command (without -short) runs every live test.
func SkipIfShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a live JVM: skipped with -short")
	}
}

// RequireFile fails the test when path is missing: the JDKs are part of the project's machine.
func RequireFile(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is required by this test: %v", path, err)
	}
}

// Start runs Spin with the java binary and waits until it prints "ready".
// The JVM is killed in t.Cleanup.
func Start(t testing.TB, java, classDir string, jvmArgs ...string) JVM {
	t.Helper()
	return StartEnv(t, java, classDir, nil, jvmArgs...)
}

// StartEnv is Start with env (NAME=value entries) added to the JVM's environment, which
// otherwise has no JAVA_HOME or JVM option variables: a test of a JVM's own $JAVA_HOME sets it here.
func StartEnv(t testing.TB, java, classDir string, env []string, jvmArgs ...string) JVM {
	t.Helper()
	SkipIfShort(t)
	stdoutPath := filepath.Join(t.TempDir(), "jvm-stdout.log")
	stdout, err := os.Create(stdoutPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	// Serial GC and C1 only: fewer VM threads and less JIT work competing with the spinner.
	args := append([]string{"-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"}, jvmArgs...)
	cmd := exec.Command(java, append(args, "-cp", classDir, "Spin")...)
	cmd.Stdout, cmd.Stderr = stdout, stdout
	cmd.Env = append(WithoutEnv(os.Environ(), "JAVA_HOME", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"), env...)
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
			t.Fatalf("%s exited before ready:\n%s", java, b)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not print ready within %v; output:\n%s", java, startTimeout, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WithoutEnv returns env without the named variables.
func WithoutEnv(env []string, names ...string) []string {
	var out []string
next:
	for _, kv := range env {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

// JREOnly builds a JDK whose bin holds only java, like a JRE image: /proc/<pid>/exe of a JVM
// started from the returned binary points to a directory without jcmd or jstack.
func JREOnly(t testing.TB, home string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "jre")
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(home)
	if err != nil {
		t.Fatalf("read %s: %v", home, err)
	}
	for _, e := range entries {
		if e.Name() == "bin" {
			continue
		}
		if err := os.Symlink(filepath.Join(home, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(home, "bin", "java"))
	if err != nil {
		t.Fatal(err)
	}
	java := filepath.Join(dir, "bin", "java")
	if err := os.WriteFile(java, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return java
}

// ToolPath makes a directory with links to the named commands only, to use as a container's
// PATH that holds exactly those tools.
func ToolPath(t testing.TB, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			t.Fatalf("%s is required by this test: %v", n, err)
		}
		if err := os.Symlink(p, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
