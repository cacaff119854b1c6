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

//go:embed Named.java
var namedSource []byte

// NamedHotMethod is the frame Named's first thread spins in.
const NamedHotMethod = "Named.spinHot"

// JVM is a running Spin program.
type JVM struct {
	PID int
	// Stdout is the file the JVM's stdout and stderr go to: the "container log" a kill -3 dump lands in.
	Stdout string
	// Java is the java binary it runs from.
	Java string
	// NSPID is the JVM's pid in its own PID namespace: PID unless started by StartNamedPID1,
	// where it is 1.
	NSPID int
}

// Compile compiles Spin.java and Named.java with JDK 17's javac (JDK 25 runs those classes
// too) into a temp dir.
func Compile(t testing.TB) string {
	t.Helper()
	SkipIfShort(t)
	javac := filepath.Join(JDK17Home, "bin", "javac")
	RequireFile(t, javac)
	dir := t.TempDir()
	var srcs []string
	for name, src := range map[string][]byte{"Spin.java": spinSource, "Named.java": namedSource} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, javac, append([]string{"-d", dir}, srcs...)...).CombinedOutput(); err != nil {
		t.Fatalf("javac %v: %v\n%s", srcs, err, out)
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
	return start(t, nil, java, classDir, env, jvmArgs, "Spin")
}

// StartNamed runs Named: one thread per name, the first spinning in Named.spinHot, the others
// asleep. Names may hold line breaks, quotes, tabs, anything but NUL.
func StartNamed(t testing.TB, java, classDir string, names []string, jvmArgs ...string) JVM {
	t.Helper()
	return start(t, nil, java, classDir, nil, jvmArgs, "Named", namesFile(t, names))
}

// StartNamedPID1 is StartNamed with the JVM as PID 1 of a new PID namespace (and a /proc of
// its own), as in a container whose entrypoint is java: its launcher thread has tid 1 and its
// threads' nids are small. Run a probe in that namespace with NamespaceShell. Needs root.
func StartNamedPID1(t testing.TB, java, classDir string, names []string, jvmArgs ...string) JVM {
	t.Helper()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatalf("unshare (util-linux) is required by this test: %v", err)
	}
	wrap := []string{unshare, "--pid", "--fork", "--mount-proc", "--kill-child", "--"}
	return start(t, wrap, java, classDir, nil, jvmArgs, "Named", namesFile(t, names))
}

// NamespaceShell is the command that runs sh inside the PID and mount namespaces of a JVM
// started by StartNamedPID1, where its pid is 1: a probe run with it sees what a probe
// exec'd into that container would.
func NamespaceShell(jvm JVM) string {
	return "nsenter --target " + strconv.Itoa(jvm.PID) + " --pid --mount -- /bin/sh"
}

func namesFile(t testing.TB, names []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "thread-names")
	if err := os.WriteFile(path, []byte(strings.Join(names, "\x00")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// start runs mainClass (with wrap before java when not nil) and waits until it prints "ready".
func start(t testing.TB, wrap []string, java, classDir string, env, jvmArgs []string, mainClass string, mainArgs ...string) JVM {
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
	args = append(append(args, "-cp", classDir, mainClass), mainArgs...)
	argv := append(append(append([]string(nil), wrap...), java), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = stdout, stdout
	cmd.Env = append(WithoutEnv(os.Environ(), "JAVA_HOME", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"), env...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", argv[0], err)
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
		if i := bytes.Index(b, []byte("ready pid=")); i >= 0 && bytes.IndexByte(b[i:], '\n') > 0 {
			line := b[i+len("ready pid=") : i+bytes.IndexByte(b[i:], '\n')]
			nsPID, err := strconv.Atoi(string(bytes.TrimSpace(line)))
			if err != nil {
				t.Fatalf("ready line %q: %v", line, err)
			}
			pid := cmd.Process.Pid
			if wrap != nil {
				pid = childOf(t, pid)
			}
			return JVM{PID: pid, Stdout: stdoutPath, Java: java, NSPID: nsPID}
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

// childOf returns the only child of pid (the JVM that unshare --fork started).
func childOf(t testing.TB, pid int) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", strconv.Itoa(pid), "children"))
	if err != nil {
		t.Fatalf("children of %d: %v", pid, err)
	}
	fields := strings.Fields(string(b))
	if len(fields) != 1 {
		t.Fatalf("pid %d has children %q, want one", pid, fields)
	}
	child, err := strconv.Atoi(fields[0])
	if err != nil {
		t.Fatal(err)
	}
	return child
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
	return JREWith(t, home)
}

// JREWith is JREOnly with the named tools of home's bin beside java (e.g. "jstack", for a
// JVM whose probe must fall back from jcmd to jstack).
func JREWith(t testing.TB, home string, tools ...string) string {
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
	// Copies, not links: a launcher finds its JDK from its own path, and /proc/<pid>/exe
	// must point into this directory.
	for _, name := range append([]string{"java"}, tools...) {
		b, err := os.ReadFile(filepath.Join(home, "bin", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "bin", name), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "bin", "java")
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
