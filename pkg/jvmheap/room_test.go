package jvmheap_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/jvmheap"
	"github.com/seed/stackcapture/pkg/jvmheap/heaptest"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
)

// podWith serves pod shop/api-0 with one container "jvm" whose exec'd commands see env,
// and returns the client and the pod as the plugin reads it.
func podWith(t *testing.T, srv *kubetest.Server, env []string) (*kube.Client, *kube.PodInfo) {
	t.Helper()
	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "api-0", Node: "n1", Containers: []kubetest.ContainerSpec{{Name: "jvm", Env: env}}})
	client, err := kube.NewForConfig(srv.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pod, err := client.Pod(ctx, "shop", "api-0")
	if err != nil {
		t.Fatal(err)
	}
	return client, pod
}

func collectHeap(t *testing.T, room *jvmheap.Room, client *kube.Client, pod *kube.PodInfo, focus evidence.Focus) []evidence.Piece {
	t.Helper()
	tgt := evidence.Target{Namespace: pod.Namespace, Pod: pod, Containers: []string{"jvm"}, Focus: focus}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	planned := room.Plan(tgt)
	pieces := room.Collect(ctx, evidence.Env{Kube: client, Window: time.Second, MaxBytes: 4 << 20}, tgt)
	if len(pieces) != len(planned) {
		t.Fatalf("planned %v, collected %d", planned, len(pieces))
	}
	for _, p := range pieces {
		if p.Kind != jvmheap.KindJVMHeap || p.Container != "jvm" || p.Started.IsZero() || p.Took <= 0 {
			t.Errorf("piece %+v", p)
		}
	}
	return pieces
}

func decode(t *testing.T, p evidence.Piece) *jvmheap.Evidence {
	t.Helper()
	var ev jvmheap.Evidence
	if err := json.Unmarshal(p.Summary, &ev); err != nil {
		t.Fatalf("summary %s: %v", p.Summary, err)
	}
	return &ev
}

func newRoom(t *testing.T, opts jvmheap.RoomOptions) *jvmheap.Room {
	t.Helper()
	room, err := jvmheap.NewRoom(opts)
	if err != nil {
		t.Fatal(err)
	}
	return room
}

// TestRoomHeapGrow: a memory capture of HeapGrow through kubetest's exec names its class
// on top of the histogram, on JDK 17 and 25, in the default mode (-all).
func TestRoomHeapGrow(t *testing.T) {
	classes := heaptest.Compile(t)
	for _, home := range []string{jvmtest.JDK17Home, jvmtest.JDK25Home} {
		t.Run(filepath.Base(home), func(t *testing.T) {
			j := heaptest.Start(t, filepath.Join(home, "bin", "java"), classes, heaptest.Options{Xmx: "128m"})
			client, pod := podWith(t, kubetest.NewServer(t), []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(j.PID)})
			room := newRoom(t, jvmheap.RoomOptions{Top: 10})
			if got := room.Plan(evidence.Target{Pod: pod, Focus: evidence.FocusCPU}); len(got) != 0 {
				t.Errorf("cpu focus plans %v", got)
			}
			pieces := collectHeap(t, room, client, pod, evidence.FocusMemory)
			if len(pieces) != 1 {
				t.Fatalf("%d pieces", len(pieces))
			}
			p := pieces[0]
			if p.Failure != nil {
				t.Fatalf("failure %+v", p.Failure)
			}
			ev := decode(t, p)
			if ev.Histogram == nil || ev.Heap == nil || ev.Mode != jvmheap.HistogramAll || !ev.Histogram.All || ev.PID != j.PID {
				t.Fatalf("evidence %+v", ev)
			}
			if ev.Histogram.Top[0].Class != heaptest.TopClass || len(ev.Histogram.Top) != 10 {
				t.Errorf("histogram top %+v, want %s first of 10", ev.Histogram.Top[0], heaptest.TopClass)
			}
			// Only NMT is missing (off by default).
			if len(ev.Failures) != 1 || ev.Failures[0].Reason != jvmheap.ReasonNMTOff {
				t.Errorf("failures %+v", ev.Failures)
			}
			if p.RawName != "heap-histogram.txt" || !strings.HasPrefix(p.RawType, "text/plain") || !strings.Contains(string(p.Raw), heaptest.TopClass) || !strings.Contains(string(p.Raw), "Total") {
				t.Errorf("raw %q %q:\n%.500s", p.RawName, p.RawType, p.Raw)
			}
			if !strings.Contains(p.Source, "pid "+strconv.Itoa(j.PID)) || !strings.Contains(p.Path, "GC.class_histogram -all") {
				t.Errorf("source %q path %q", p.Source, p.Path)
			}

			// Above the bound, the histogram is skipped with a reason; the rest is kept.
			bounded := newRoom(t, jvmheap.RoomOptions{MaxHistogramHeap: 1 << 20})
			p = collectHeap(t, bounded, client, pod, evidence.FocusAll)[0]
			ev = decode(t, p)
			if p.Failure != nil || ev.Histogram != nil || ev.Heap == nil || p.Raw != nil {
				t.Fatalf("bounded: failure %+v evidence %+v", p.Failure, ev)
			}
			found := false
			for _, f := range ev.Failures {
				found = found || (f.Part == "histogram" && f.Reason == jvmheap.ReasonHeapTooBig && strings.Contains(f.Message, "above the histogram bound of 1 MiB"))
			}
			if !found {
				t.Errorf("failures %+v, want histogram heap-too-large", ev.Failures)
			}
		})
	}
}

// TestRoomFailures: every way the room fails is a failed piece with its reason.
func TestRoomFailures(t *testing.T) {
	jvmtest.SkipIfShort(t)
	noJVM := "STACKCAPTURE_PIDS=" + strconv.Itoa(os.Getpid()) // a Go test binary
	tests := []struct {
		name   string
		env    []string
		setup  func(*kubetest.Server)
		reason string
		says   string
	}{
		{"no JVM", []string{"PATH=/usr/bin:/bin", noJVM}, nil, jvmheap.ReasonNoJVM, "no JVM runs"},
		{"no shell", []string{"PATH=" + t.TempDir(), noJVM}, nil, jvmheap.ReasonNoShell, "no /bin/sh"},
		{"exec forbidden", []string{"PATH=/usr/bin:/bin", noJVM}, func(s *kubetest.Server) { s.Deny("create", "pods", "exec") }, jvmheap.ReasonForbidden, "pods/exec"},
		{"pod deleted", []string{"PATH=/usr/bin:/bin", noJVM}, func(s *kubetest.Server) { s.DeletePod("shop", "api-0") }, jvmheap.ReasonPodGone, "gone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := kubetest.NewServer(t)
			client, pod := podWith(t, srv, tc.env)
			if tc.setup != nil {
				tc.setup(srv)
			}
			p := collectHeap(t, newRoom(t, jvmheap.RoomOptions{}), client, pod, evidence.FocusMemory)[0]
			if p.Failure == nil || p.Failure.Reason != tc.reason || !strings.Contains(p.Failure.Message, tc.says) {
				t.Errorf("failure %+v, want %s saying %q", p.Failure, tc.reason, tc.says)
			}
		})
	}
	if _, err := jvmheap.NewRoom(jvmheap.RoomOptions{Mode: "sometimes"}); err == nil {
		t.Error("NewRoom accepted an unknown histogram mode")
	}
}

// TestHistogramOnlyRun runs heap.sh's second pass the way the room does (histogram only,
// the pids given as an argument, a non-JVM among them) in dash and busybox sh.
func TestHistogramOnlyRun(t *testing.T) {
	classes := heaptest.Compile(t)
	j := heaptest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), classes, heaptest.Options{})
	args, err := jvmheap.HistogramArgs(jvmheap.HistogramAll, jvmheap.DefaultToolTimeout, 5, []int{os.Getpid(), j.PID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jvmheap.HistogramArgs(jvmheap.HistogramNone, time.Second, 5, []int{j.PID}); err == nil {
		t.Error("HistogramArgs accepted mode none")
	}
	for _, shell := range [][]string{{"dash"}, {"busybox", "sh"}} {
		t.Run(shell[0], func(t *testing.T) {
			bin, err := exec.LookPath(shell[0])
			if err != nil {
				t.Skipf("%s is not installed", shell[0])
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, append(shell[1:], args[1:]...)...) // args[0] is "sh"
			cmd.Stdin = bytes.NewReader(jvmheap.Script())
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			raw, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v\n%s", err, raw)
			}
			out, err := jvmheap.ParseProbeOutput(bytes.NewReader(raw))
			if err != nil || len(out.JVMs) != 1 || out.JVMs[0].PID != j.PID {
				t.Fatalf("parse: %v\n%s", err, raw)
			}
			cmds := out.JVMs[0].Commands
			if len(cmds) != 1 || cmds[0].Name != "class_histogram" || !strings.Contains(cmds[0].Text, heaptest.TopClass) {
				t.Errorf("commands %+v", cmds)
			}
		})
	}
}
