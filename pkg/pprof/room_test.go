package pprof_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/pprof"
	"github.com/seed/stackcapture/pkg/pprof/pproftest"
)

func collectRoom(t *testing.T, room *pprof.Room, client evidence.Kube, tgt evidence.Target) []evidence.Piece {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	planned := room.Plan(tgt)
	pieces := room.Collect(ctx, evidence.Env{Kube: client, Window: 2 * time.Second, MaxBytes: maxBytes}, tgt)
	if len(pieces) != len(planned) {
		t.Fatalf("planned %v, collected %d pieces", planned, len(pieces))
	}
	for i, p := range pieces {
		if p.Kind != planned[i] {
			t.Errorf("piece %d is %s, planned %s", i, p.Kind, planned[i])
		}
		if p.Started.IsZero() || p.Source == "" {
			t.Errorf("piece %d (%s): started %v source %q", i, p.Kind, p.Started, p.Source)
		}
	}
	return pieces
}

func kindsOf(pieces []evidence.Piece) string {
	var out []string
	for _, p := range pieces {
		out = append(out, p.Container+"/"+string(p.Kind))
	}
	return strings.Join(out, " ")
}

// TestRoomCollectsAGoProgram: a pod whose "api" container declares its pprof port yields,
// for the focus "all", the CPU profile (burning function on top and at the end of the
// flame graph's widest path), the goroutines and the heap, with their raw profiles.
func TestRoomCollectsAGoProgram(t *testing.T) {
	target := pproftest.Start(t, pproftest.Options{})
	srv := kubetest.NewServer(t)
	client, pod := podFor(t, srv, target.Host, nil, []corev1.ContainerPort{{Name: "pprof", ContainerPort: target.Port}})
	room := pprof.NewRoom(pprof.RoomOptions{})
	tgt := evidence.Target{Namespace: "shop", Pod: pod, Containers: []string{"api"}, Focus: evidence.FocusAll}
	settled(t, client, targetFor(t, pod), target.Parked)

	pieces := collectRoom(t, room, client, tgt)
	if got := kindsOf(pieces); got != "api/go-cpu api/go-goroutines api/go-heap" {
		t.Fatalf("pieces %s", got)
	}
	for _, p := range pieces {
		if p.Failure != nil {
			t.Fatalf("%s failed: %+v", p.Kind, p.Failure)
		}
		if len(p.Raw) < 2 || p.Raw[0] != 0x1f || p.Raw[1] != 0x8b || p.RawType != "application/octet-stream" || !strings.HasSuffix(p.RawName, ".pb.gz") {
			t.Errorf("%s raw: %d bytes %q %q", p.Kind, len(p.Raw), p.RawName, p.RawType)
		}
		if !strings.Contains(p.Source, `container port "pprof"`) || !strings.Contains(p.Source, "http://:") {
			t.Errorf("%s source %q", p.Kind, p.Source)
		}
	}
	var cpu pprof.CPUSummary
	if err := json.Unmarshal(pieces[0].Summary, &cpu); err != nil {
		t.Fatal(err)
	}
	if pieces[0].Path != "/debug/pprof/profile?seconds=2" || pieces[0].Took < time.Second || ownTopFlat(cpu.TopFlat) != pproftest.BurnFunc {
		t.Errorf("cpu: path %q took %s top %+v", pieces[0].Path, pieces[0].Took, cpu.TopFlat)
	}
	if cpu.Flame == nil {
		t.Fatal("cpu summary has no flame tree")
	}
	parents := checkFlame(t, cpu.Flame, int64(cpu.Total))
	if path := ownFrames(widestLeafPath(cpu.Flame, parents)); path[len(path)-1] != pproftest.BurnFunc {
		t.Errorf("widest flame path %v ends elsewhere than %s", path, pproftest.BurnFunc)
	}
	var gor pprof.GoroutineSummary
	if err := json.Unmarshal(pieces[1].Summary, &gor); err != nil {
		t.Fatal(err)
	}
	if len(gor.Groups) == 0 || gor.Groups[0].Top != pproftest.ParkFunc || gor.Groups[0].Count != int64(target.Parked) {
		t.Errorf("goroutines: %+v", gor.Groups[:min(len(gor.Groups), 2)])
	}
	var hs pprof.HeapSummary
	if err := json.Unmarshal(pieces[2].Summary, &hs); err != nil {
		t.Fatal(err)
	}
	if hs.InUseBytes <= 0 || len(hs.TopAllocBytes) == 0 {
		t.Errorf("heap: %+v", hs)
	}

	// The memory focus takes the heap only.
	mem := tgt
	mem.Focus = evidence.FocusMemory
	if got := kindsOf(collectRoom(t, room, client, mem)); got != "api/go-heap" {
		t.Errorf("memory focus: %s", got)
	}
}

// ownTopFlat is the first function of a flat ranking outside the runtime. On a loaded
// machine the burning goroutine is preempted so often that runtime.asyncPreempt, the
// preemption's own frame below the burning function, can outweigh it.
func ownTopFlat(fs []pprof.CPUFunc) string {
	for _, f := range fs {
		if !strings.HasPrefix(f.Function, "runtime.") {
			return f.Function
		}
	}
	return ""
}

// ownFrames drops the runtime's frames from the end of a path (see ownTopFlat).
func ownFrames(path []string) []string {
	for len(path) > 1 && strings.HasPrefix(path[len(path)-1], "runtime.") {
		path = path[:len(path)-1]
	}
	return path
}

// settled waits until the target program's goroutines are all parked and its heap profile
// has seen a GC: right after start, some parked goroutines have not run yet (a stack of
// their own) and the heap profile, as of the last GC, may be empty.
func settled(t *testing.T, client kube.Proxier, tgt pprof.Target, parked int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		g := collect(t, client, pprof.Request{Kind: pprof.KindGoroutines, Target: tgt, MaxBytes: maxBytes}, time.Minute)
		h := collect(t, client, pprof.Request{Kind: pprof.KindHeap, Target: tgt, MaxBytes: maxBytes}, time.Minute)
		if g.Failure == nil && h.Failure == nil && len(g.Goroutines.Groups) > 0 && g.Goroutines.Groups[0].Count == int64(parked) && h.Heap.InUseBytes > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the target did not settle within a minute: goroutines %+v heap %+v", g.Failure, h.Failure)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRoomPlans: what is planned, and the pieces that fail without any I/O.
func TestRoomPlans(t *testing.T) {
	srv := kubetest.NewServer(t)
	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "mixed-0", Node: "n1", IP: "127.0.0.1",
		Annotations: map[string]string{pprof.ContainerAnnotation("sidecar"): "false", pprof.ContainerAnnotation("broken"): "http://:notaport"},
		Containers: []kubetest.ContainerSpec{
			{Name: "go", Ports: []corev1.ContainerPort{{Name: "pprof", ContainerPort: 6060}}},
			{Name: "jvm"}, {Name: "sidecar", Ports: []corev1.ContainerPort{{Name: "pprof", ContainerPort: 6061}}}, {Name: "broken"},
		}})
	// A pod-wide annotation and a container's own port naming the same port: one program.
	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "shared-0", Node: "n1", IP: "127.0.0.1",
		Annotations: map[string]string{pprof.Annotation: "6060"},
		Containers: []kubetest.ContainerSpec{
			{Name: "proxy"}, {Name: "app", Ports: []corev1.ContainerPort{{Name: "pprof", ContainerPort: 6060}}}, {Name: "other"},
		}})
	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "jvm-0", Node: "n1", IP: "127.0.0.1",
		Containers: []kubetest.ContainerSpec{{Name: "app"}, {Name: "envoy"}}})
	client, pods := readPods(t, srv, "mixed-0", "jvm-0", "shared-0")
	mixed, jvmPod, shared := pods[0], pods[1], pods[2]
	room := pprof.NewRoom(pprof.RoomOptions{})
	tests := []struct {
		name   string
		target evidence.Target
		want   string
	}{
		{"cpu: declared container only; turned off and undeclared say nothing; a bad declaration says so once",
			evidence.Target{Pod: mixed, Focus: evidence.FocusCPU}, "go/go-cpu go/go-goroutines broken/go-cpu"},
		{"memory on the declared container", evidence.Target{Pod: mixed, Containers: []string{"go"}, Focus: evidence.FocusMemory}, "go/go-heap"},
		{"empty focus is cpu", evidence.Target{Pod: mixed, Containers: []string{"go"}}, "go/go-cpu go/go-goroutines"},
		{"no container declares: one piece for the pod", evidence.Target{Pod: jvmPod, Focus: evidence.FocusAll}, "/go-cpu"},
		{"no container declares, memory", evidence.Target{Pod: jvmPod, Containers: []string{"app"}, Focus: evidence.FocusMemory}, "/go-heap"},
		{"turned off: nothing", evidence.Target{Pod: mixed, Containers: []string{"sidecar"}, Focus: evidence.FocusAll}, ""},
		{"one port declared for several containers is fetched once, for the container that declares it itself",
			evidence.Target{Pod: shared, Focus: evidence.FocusCPU}, "app/go-cpu app/go-goroutines"},
		{"the pod-wide annotation alone: the first container", evidence.Target{Pod: shared, Containers: []string{"proxy", "other"}, Focus: evidence.FocusMemory}, "proxy/go-heap"},
		{"node alert, kubelet setting off", evidence.Target{Node: "n1", Focus: evidence.FocusCPU}, "/go-cpu"},
		{"no pod, no node", evidence.Target{Focus: evidence.FocusCPU}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pieces := collectRoom(t, room, client, tc.target)
			if got := kindsOf(pieces); got != tc.want {
				t.Fatalf("pieces %q, want %q", got, tc.want)
			}
			for _, p := range pieces {
				if p.Container == "broken" && (p.Failure == nil || p.Failure.Reason != string(pprof.ReasonBadEndpoint) || !strings.Contains(p.Failure.Message, "notaport")) {
					t.Errorf("bad declaration: %+v", p.Failure)
				}
			}
		})
	}
	t.Run("no endpoint says how to declare one", func(t *testing.T) {
		p := collectRoom(t, room, client, evidence.Target{Pod: jvmPod, Focus: evidence.FocusCPU})[0]
		if p.Failure == nil || p.Failure.Reason != string(pprof.ReasonNoEndpoint) || p.Raw != nil || p.Summary != nil {
			t.Fatalf("piece %+v", p)
		}
		for _, says := range []string{pprof.Annotation + `: "http://:6060/debug/pprof"`, pprof.Annotation + ".<container>", `port "pprof"`, "shop/jvm-0"} {
			if !strings.Contains(p.Failure.Message, says) {
				t.Errorf("message %q does not say %q", p.Failure.Message, says)
			}
		}
	})
	t.Run("kubelet setting off says so", func(t *testing.T) {
		p := collectRoom(t, room, client, evidence.Target{Node: "n1", Focus: evidence.FocusAll})[0]
		if p.Failure == nil || p.Failure.Reason != string(pprof.ReasonDisabled) || !strings.Contains(p.Failure.Message, "nodes/proxy") {
			t.Fatalf("piece %+v", p)
		}
	})
}

// TestRoomKubelet: with the kubelet setting on, a node alert takes the kubelet's CPU
// profile and goroutines through nodes/proxy, and no heap.
func TestRoomKubelet(t *testing.T) {
	kubelet := httptest.NewTLSServer(pprofMux())
	t.Cleanup(kubelet.Close)
	srv := kubetest.NewServer(t)
	srv.AddNode("n1", kubelet.URL)
	client, err := kube.NewForConfig(srv.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	room := pprof.NewRoom(pprof.RoomOptions{Kubelet: true})
	pieces := collectRoom(t, room, client, evidence.Target{Node: "n1", Focus: evidence.FocusAll})
	if got := kindsOf(pieces); got != "/go-cpu /go-goroutines" {
		t.Fatalf("pieces %s", got)
	}
	for _, p := range pieces {
		if p.Failure != nil || len(p.Summary) == 0 || !strings.Contains(p.Source, "kubelet of node n1") {
			t.Errorf("%s: failure %+v source %q summary %d bytes", p.Kind, p.Failure, p.Source, len(p.Summary))
		}
	}
	srv.Deny("get", "nodes", "proxy")
	for _, p := range collectRoom(t, room, client, evidence.Target{Node: "n1", Focus: evidence.FocusCPU}) {
		if p.Failure == nil || p.Failure.Reason != string(pprof.ReasonForbidden) {
			t.Errorf("%s: failure %+v, want forbidden", p.Kind, p.Failure)
		}
	}
}
