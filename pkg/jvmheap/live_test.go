package jvmheap

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/jvmheap/heaptest"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
)

// runScript runs heap.sh the way the exec does (sh -s, script on stdin), limited to pid, with
// env added to its environment.
func runScript(t *testing.T, pid int, mode HistogramMode, path string, env ...string) *ProbeOutput {
	t.Helper()
	args, err := Args(mode, DefaultToolTimeout, 10)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdin = bytes.NewReader(Script())
	cmd.Env = append([]string{"PATH=" + path, "STACKCAPTURE_PIDS=" + strconv.Itoa(pid)}, env...)
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("heap.sh: %v\n%s", err, raw)
	}
	out, err := ParseProbeOutput(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, raw)
	}
	if len(out.JVMs) != 1 {
		t.Fatalf("%d JVMs in\n%s", len(out.JVMs), raw)
	}
	return out
}

// TestLiveNoMemoryRoom: in a container near its memory limit (a cgroup v2 mount that says so)
// the heap probe starts no jcmd and says why; the JVM is not attached to.
func TestLiveNoMemoryRoom(t *testing.T) {
	classes := heaptest.Compile(t)
	j := heaptest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), classes, heaptest.Options{})
	cg := t.TempDir()
	for name, body := range map[string]string{"memory.max": "268435456\n", "memory.current": "262144000\n"} {
		if err := os.WriteFile(filepath.Join(cg, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := runScript(t, j.PID, HistogramAll, "/usr/bin:/bin", "STACKCAPTURE_CGROUP_ROOT="+cg)
	ev := Summarize(out.JVMs[0], out.Mode, 10, out.Complete)
	if len(out.JVMs[0].Commands) != 0 || len(ev.Failures) != 1 || ev.Failures[0].Reason != ReasonMemoryHeadroom ||
		!strings.Contains(ev.Failures[0].Message, "250 MiB of its 256 MiB memory limit") {
		t.Fatalf("commands %d, failures %+v, want no jcmd and one memory-headroom failure", len(out.JVMs[0].Commands), ev.Failures)
	}
	if _, err := os.Stat(filepath.Join("/tmp", ".java_pid"+strconv.Itoa(j.PID))); err == nil {
		t.Error("the JVM's attach listener was started: something attached")
	}
}

func TestLiveHistogramTopsGrownClass(t *testing.T) {
	classes := heaptest.Compile(t)
	for _, home := range []string{jvmtest.JDK17Home, jvmtest.JDK25Home} {
		for _, mode := range []HistogramMode{HistogramFull, HistogramAll} {
			t.Run(filepath.Base(home)+"/"+string(mode), func(t *testing.T) {
				java := filepath.Join(home, "bin", "java")
				j := heaptest.Start(t, java, classes, heaptest.Options{Xmx: "128m", Args: []string{"-XX:NativeMemoryTracking=summary"}})
				out := runScript(t, j.PID, mode, "/usr/bin:/bin")
				ev := Summarize(out.JVMs[0], out.Mode, 10, out.Complete)
				if len(ev.Failures) != 0 {
					t.Fatalf("failures %+v", ev.Failures)
				}
				if ev.Histogram.Top[0].Class != heaptest.TopClass || ev.Histogram.All != (mode == HistogramAll) {
					t.Errorf("top %+v, want %s", ev.Histogram.Top[0], heaptest.TopClass)
				}
				// 70% of 128 MiB in 144-byte blocks: the class holds most of the used heap.
				if ev.Histogram.Top[0].Bytes < ev.Heap.UsedBytes/2 || ev.Histogram.Top[0].Bytes > ev.Heap.CommittedBytes {
					t.Errorf("top class %d bytes against heap used %d committed %d", ev.Histogram.Top[0].Bytes, ev.Heap.UsedBytes, ev.Heap.CommittedBytes)
				}
				if ev.NativeMemory == nil || ev.Metaspace == nil || ev.Metaspace.UsedBytes <= 0 {
					t.Errorf("native memory %+v metaspace %+v", ev.NativeMemory, ev.Metaspace)
				}
			})
		}
	}
}

func TestLiveFailuresAreReasons(t *testing.T) {
	classes := heaptest.Compile(t)
	java := filepath.Join(jvmtest.JDK17Home, "bin", "java")
	t.Run("nmt off", func(t *testing.T) {
		j := heaptest.Start(t, java, classes, heaptest.Options{})
		out := runScript(t, j.PID, HistogramNone, "/usr/bin:/bin")
		ev := Summarize(out.JVMs[0], out.Mode, 10, out.Complete)
		if ev.Heap == nil || !hasFailure(ev, "native-memory", ReasonNMTOff) || !hasFailure(ev, "histogram", ReasonNotTaken) {
			t.Errorf("evidence %+v", ev)
		}
	})
	t.Run("jre only", func(t *testing.T) {
		jre := jvmtest.JREOnly(t, jvmtest.JDK17Home)
		j := heaptest.Start(t, jre, classes, heaptest.Options{})
		// A PATH without jcmd: only the JVM's own (jcmd-less) bin could hold it.
		out := runScript(t, j.PID, HistogramFull, jvmtest.ToolPath(t, "sed", "tr", "readlink", "timeout", "grep"))
		ev := Summarize(out.JVMs[0], out.Mode, 10, out.Complete)
		if !hasFailure(ev, "all", ReasonNoJcmd) || ev.Heap != nil {
			t.Fatalf("evidence %+v", ev)
		}
		// What is left: the heap summary kill -3 prints after the threads.
		if err := exec.Command("kill", "-QUIT", strconv.Itoa(j.PID)).Run(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Minute)
		for {
			b, _ := os.ReadFile(j.Stdout)
			if hi, ok := ParseSigquitHeap(string(b)); ok && hi.Metaspace != nil {
				if hi.Collector != "G1" || hi.UsedBytes <= 0 {
					t.Errorf("kill -3 heap %+v", hi)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no heap summary after kill -3:\n%s", b)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// TestLiveThroughExec sends heap.sh over a real exec (client-go against kubetest, which
// serves exec with the kubelet's own streaming code), as a capture will, and reads the
// grown class back; the WebSocket transport cannot close stdin, so this also proves the
// script ends by itself.
func TestLiveThroughExec(t *testing.T) {
	classes := heaptest.Compile(t)
	j := heaptest.Start(t, filepath.Join(jvmtest.JDK25Home, "bin", "java"), classes, heaptest.Options{})
	srv := kubetest.NewServer(t)
	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "api-0", Node: "n1", Containers: []kubetest.ContainerSpec{{
		Name: "jvm", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(j.PID)},
	}}})
	client, err := kube.NewForConfig(srv.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	args, err := Args(DefaultHistogramMode, DefaultToolTimeout, 5)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if err := client.Exec(ctx, kube.ExecRequest{Namespace: "shop", Pod: "api-0", Container: "jvm", Command: args,
		Stdin: bytes.NewReader(Script()), Stdout: &stdout, Stderr: &stderr}); err != nil {
		t.Fatalf("exec: %v\nstderr: %s", err, stderr.String())
	}
	out, err := ParseProbeOutput(&stdout)
	if err != nil || len(out.JVMs) != 1 {
		t.Fatalf("parse: %v, %d JVMs", err, len(out.JVMs))
	}
	ev := Summarize(out.JVMs[0], out.Mode, 5, out.Complete)
	if ev.Histogram == nil || ev.Histogram.Top[0].Class != heaptest.TopClass || !ev.Histogram.All || len(ev.Histogram.Top) != 5 {
		t.Fatalf("evidence %+v", ev)
	}
	if !hasFailure(ev, "native-memory", ReasonNMTOff) || len(ev.Failures) != 1 {
		t.Errorf("failures %+v, want only nmt-off", ev.Failures)
	}
}
