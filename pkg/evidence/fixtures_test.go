package evidence_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/jvmheap"
	"github.com/seed/stackcapture/pkg/jvmheap/heaptest"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/podstory"
	"github.com/seed/stackcapture/pkg/pprof"
	"github.com/seed/stackcapture/pkg/pprof/pproftest"
)

// contract/evidence/*.json are one piece of evidence each, as GET /captures/{id} serves it
// under "evidence", written from real collections by the rooms: the frontend's views are
// built and tested on them. This test collects them again and fails when the shape of
// what the rooms produce drifts from the files (keys and JSON types, not the numbers,
// which differ from run to run); -update rewrites the files.

var update = flag.Bool("update", false, "rewrite contract/evidence/*.json from real collections")

const fixtureDir = "../../contract/evidence"

// fixtureCapture is the capture id the examples belong to.
const fixtureCapture = 7

// apiPiece is a piece as the API serves it (see "The seam" in the project brief).
type apiPiece struct {
	ID        int64             `json:"id"`
	Kind      evidence.Kind     `json:"kind"`
	Container string            `json:"container"`
	Source    string            `json:"source"`
	Path      string            `json:"path"`
	StartedAt string            `json:"startedAt"`
	TookMs    int64             `json:"tookMs"`
	Truncated bool              `json:"truncated"`
	Failure   *evidence.Failure `json:"failure"`
	Summary   json.RawMessage   `json:"summary"`
	RawBytes  int               `json:"rawBytes"`
	RawURL    string            `json:"rawUrl,omitempty"`
}

func render(t *testing.T, id int64, p evidence.Piece) []byte {
	t.Helper()
	a := apiPiece{ID: id, Kind: p.Kind, Container: p.Container, Source: p.Source, Path: p.Path,
		StartedAt: p.Started.UTC().Format(time.RFC3339), TookMs: p.Took.Milliseconds(), Truncated: p.Truncated,
		Failure: p.Failure, Summary: p.Summary, RawBytes: len(p.Raw)}
	if len(a.Summary) == 0 {
		a.Summary = json.RawMessage("null")
	}
	if len(p.Raw) > 0 {
		a.RawURL = fmt.Sprintf("captures/%d/evidence/%d/raw", fixtureCapture, id)
	}
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		t.Fatalf("render %s: %v", p.Kind, err)
	}
	return append(b, '\n')
}

// shape lists the JSON paths of v with their types; array elements share one path
// ("[]"), so the union of every element's keys is the array's shape.
func shape(v any, path string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		out[path] = "object"
		for k, e := range x {
			shape(e, path+"."+k, out)
		}
	case []any:
		out[path] = "array"
		for _, e := range x {
			shape(e, path+"[]", out)
		}
	case string:
		out[path] = "string"
	case float64:
		out[path] = "number"
	case bool:
		out[path] = "bool"
	case nil:
		out[path] = "null"
	}
}

func shapeOf(t *testing.T, b []byte) map[string]string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	out := map[string]string{}
	shape(v, "", out)
	return out
}

// checkFixture writes the fixture under -update, else compares its shape with got's.
func checkFixture(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(fixtureDir, name)
	if *update {
		if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("fixture %s: %v (run go test ./pkg/evidence/ -update to write it)", name, err)
	}
	ws, gs := shapeOf(t, want), shapeOf(t, got)
	var diff []string
	for p, typ := range gs {
		if ws[p] != typ {
			diff = append(diff, fmt.Sprintf("  the rooms produce %s (%s), the fixture has %q", p, typ, ws[p]))
		}
	}
	for p, typ := range ws {
		if _, ok := gs[p]; !ok {
			diff = append(diff, fmt.Sprintf("  the fixture has %s (%s), the rooms no longer produce it", p, typ))
		}
	}
	if len(diff) > 0 {
		sort.Strings(diff)
		t.Errorf("contract/evidence/%s drifted from what the rooms produce (if intended, rewrite it with go test ./pkg/evidence/ -update and tell the frontend):\n%s", name, strings.Join(diff, "\n"))
	}
}

func clientFor(t *testing.T, srv *kubetest.Server, namespace, name string) (*kube.Client, *kube.PodInfo) {
	t.Helper()
	client, err := kube.NewForConfig(srv.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pod, err := client.Pod(ctx, namespace, name)
	if err != nil {
		t.Fatal(err)
	}
	return client, pod
}

func collect(t *testing.T, room evidence.Room, client evidence.Kube, tgt evidence.Target) []evidence.Piece {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pieces := room.Collect(ctx, evidence.Env{Kube: client, Window: 2 * time.Second, MaxBytes: 16 << 20}, tgt)
	if len(pieces) == 0 {
		t.Fatalf("room %s collected nothing", room.Name())
	}
	return pieces
}

func TestGoFixtures(t *testing.T) {
	target := pproftest.Start(t, pproftest.Options{})
	ports := []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "pprof", ContainerPort: target.Port}}
	room := pprof.NewRoom(pprof.RoomOptions{})

	srv := kubetest.NewServer(t)
	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "orders-5b7c9d-k2x8p", Node: "worker-1", IP: target.Host,
		Containers: []kubetest.ContainerSpec{{Name: "app", Ports: ports}}})
	client, pod := clientFor(t, srv, "shop", "orders-5b7c9d-k2x8p")
	// Right after start some parked goroutines have not run yet and the heap profile (as
	// of the last GC) may be empty: wait until the program shows what it is made to show.
	ep, err := pprof.Discover(pod, "app")
	if err != nil {
		t.Fatal(err)
	}
	ptgt := pprof.Target{Namespace: "shop", Pod: pod.Name, Endpoint: ep}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		g := pprof.Collect(ctx, client, pprof.Request{Kind: pprof.KindGoroutines, Target: ptgt, MaxBytes: 16 << 20})
		h := pprof.Collect(ctx, client, pprof.Request{Kind: pprof.KindHeap, Target: ptgt, MaxBytes: 16 << 20})
		cancel()
		if g.Failure == nil && h.Failure == nil && len(g.Goroutines.Groups) > 0 && g.Goroutines.Groups[0].Count == int64(target.Parked) &&
			len(h.Heap.TopInUseBytes) > 0 && h.Heap.TopInUseBytes[0].Function == pproftest.AllocFunc {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the target did not settle within a minute: %+v %+v", g.Failure, h.Failure)
		}
	}
	pieces := collect(t, room, client, evidence.Target{Namespace: "shop", Pod: pod, Containers: []string{"app"}, Focus: evidence.FocusAll})
	if len(pieces) != 3 {
		t.Fatalf("%d pieces", len(pieces))
	}
	for i, p := range pieces {
		if p.Failure != nil {
			t.Fatalf("%s: %+v", p.Kind, p.Failure)
		}
		checkFixture(t, string(p.Kind)+".json", render(t, int64(12+i), p))
	}

	// Failures: no endpoint declared; pods/proxy forbidden.
	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "cart-0", Node: "worker-1", IP: target.Host,
		Containers: []kubetest.ContainerSpec{{Name: "app"}}})
	_, plain := clientFor(t, srv, "shop", "cart-0")
	noEndpoint := collect(t, room, client, evidence.Target{Namespace: "shop", Pod: plain, Containers: []string{"app"}, Focus: evidence.FocusCPU})
	if len(noEndpoint) != 1 || noEndpoint[0].Failure == nil || noEndpoint[0].Failure.Reason != string(pprof.ReasonNoEndpoint) {
		t.Fatalf("no endpoint: %+v", noEndpoint)
	}
	checkFixture(t, "go-cpu-no-endpoint.json", render(t, 15, noEndpoint[0]))

	srv.Deny("get", "pods", "proxy")
	denied := collect(t, room, client, evidence.Target{Namespace: "shop", Pod: pod, Containers: []string{"app"}, Focus: evidence.FocusCPU})
	if len(denied) != 2 || denied[1].Kind != evidence.Kind(pprof.KindGoroutines) || denied[1].Failure == nil || denied[1].Failure.Reason != string(pprof.ReasonForbidden) {
		t.Fatalf("forbidden: %+v", denied)
	}
	checkFixture(t, "go-goroutines-forbidden.json", render(t, 16, denied[1]))
}

func TestJVMHeapFixtures(t *testing.T) {
	classes := heaptest.Compile(t)
	j := heaptest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), classes,
		heaptest.Options{Xmx: "128m", Args: []string{"-XX:NativeMemoryTracking=summary"}})
	room, err := jvmheap.NewRoom(jvmheap.RoomOptions{Top: 20})
	if err != nil {
		t.Fatal(err)
	}
	srv := kubetest.NewServer(t)
	srv.AddPod(kubetest.PodSpec{Namespace: "search", Name: "es-0", Node: "worker-2", Containers: []kubetest.ContainerSpec{
		{Name: "elasticsearch", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(j.PID)}},
		{Name: "exporter", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(os.Getpid())}},
	}})
	client, pod := clientFor(t, srv, "search", "es-0")
	pieces := collect(t, room, client, evidence.Target{Namespace: "search", Pod: pod, Focus: evidence.FocusMemory})
	if len(pieces) != 2 {
		t.Fatalf("%d pieces", len(pieces))
	}
	heap, noJVM := pieces[0], pieces[1]
	var ev jvmheap.Evidence
	if heap.Failure != nil || json.Unmarshal(heap.Summary, &ev) != nil || ev.Histogram == nil || ev.Histogram.Top[0].Class != heaptest.TopClass || ev.NativeMemory == nil {
		t.Fatalf("jvm-heap: failure %+v summary %s", heap.Failure, heap.Summary)
	}
	checkFixture(t, "jvm-heap.json", render(t, 21, heap))
	if noJVM.Failure == nil || noJVM.Failure.Reason != jvmheap.ReasonNoJVM {
		t.Fatalf("no JVM: %+v", noJVM)
	}
	checkFixture(t, "jvm-heap-no-jvm.json", render(t, 22, noJVM))

	// A heap above the histogram bound: heap, Metaspace and NMT kept, the histogram skipped.
	bounded, err := jvmheap.NewRoom(jvmheap.RoomOptions{MaxHistogramHeap: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	big := collect(t, bounded, client, evidence.Target{Namespace: "search", Pod: pod, Containers: []string{"elasticsearch"}, Focus: evidence.FocusMemory})
	var bev jvmheap.Evidence
	if len(big) != 1 || big[0].Failure != nil || json.Unmarshal(big[0].Summary, &bev) != nil || bev.Histogram != nil || bev.Heap == nil {
		t.Fatalf("bounded: %+v", big)
	}
	checkFixture(t, "jvm-heap-too-large.json", render(t, 24, big[0]))
}

// TestPodStoryFixture: an Elasticsearch pod OOM-killed four times, with its events, its
// current log and the previous container's last words.
func TestPodStoryFixture(t *testing.T) {
	const ns, name, cont = "search", "es-0", "elasticsearch"
	srv := kubetest.NewServer(t)
	logPath := filepath.Join(t.TempDir(), "es.log")
	if err := os.WriteFile(logPath, []byte("[gc] heap 1.9g/2g, pause 412ms\n[warn] circuit breaker [parent] near its limit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	oomAt := time.Now().Add(-3 * time.Minute).Truncate(time.Second)
	alertStart := time.Now().Add(-time.Minute).Truncate(time.Second)
	srv.AddPod(kubetest.PodSpec{Namespace: ns, Name: name, Node: "worker-2",
		Containers: []kubetest.ContainerSpec{{Name: cont, LogFile: logPath}}})
	srv.UpdatePod(ns, name, func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources = corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("2Gi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("2Gi")},
		}
	})
	srv.ContainerOOMKilled(ns, name, cont, 4, oomAt.Add(-10*time.Minute), oomAt)
	ref := corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: name, UID: kubetest.PodUID(ns, name)}
	srv.AddEvent(corev1.Event{InvolvedObject: ref, Type: "Warning", Reason: "BackOff", Message: "Back-off restarting failed container elasticsearch in pod es-0",
		Count: 4, FirstTimestamp: metav1.NewTime(oomAt.Add(-40 * time.Minute)), LastTimestamp: metav1.NewTime(oomAt.Add(2 * time.Second)), Source: corev1.EventSource{Component: "kubelet"}})
	srv.AddEvent(corev1.Event{InvolvedObject: ref, Type: "Normal", Reason: "Pulled", Message: "Container image \"elasticsearch:8.15.0\" already present on machine",
		Count: 5, FirstTimestamp: metav1.NewTime(oomAt.Add(-50 * time.Minute)), LastTimestamp: metav1.NewTime(oomAt.Add(time.Second)), Source: corev1.EventSource{Component: "kubelet"}})
	var prev []kubetest.TimedLine
	for i := range 8 {
		prev = append(prev, kubetest.TimedLine{Time: oomAt.Add(time.Duration(i-10) * time.Second), Text: fmt.Sprintf("[info] indexing batch %d", 4000+i)})
	}
	prev = append(prev, kubetest.TimedLine{Time: oomAt.Add(-time.Second), Text: "[error] java.lang.OutOfMemoryError: Java heap space"})
	srv.SetPreviousLog(ns, name, cont, prev)
	client, pod := clientFor(t, srv, ns, name)

	pieces := collect(t, podstory.NewRoom(podstory.Options{}), client, evidence.Target{Namespace: ns, Pod: pod, Containers: []string{cont}, AlertStart: alertStart, Focus: evidence.FocusMemory})
	var s podstory.Summary
	if len(pieces) != 1 || pieces[0].Failure != nil || json.Unmarshal(pieces[0].Summary, &s) != nil || s.Story.LastState == nil || s.Story.PreviousLog == nil || len(s.Story.Failures) != 0 {
		t.Fatalf("pod story: %+v", pieces)
	}
	checkFixture(t, "pod-story.json", render(t, 23, pieces[0]))

	// Partial: events forbidden, restarted but the previous log is gone. Still one piece,
	// not failed; the story says what it could not read.
	srv.AddPod(kubetest.PodSpec{Namespace: ns, Name: "es-1", Node: "worker-3",
		Containers: []kubetest.ContainerSpec{{Name: cont, LogFile: logPath}}})
	srv.ContainerOOMKilled(ns, "es-1", cont, 1, oomAt.Add(-5*time.Minute), oomAt)
	srv.Deny("list", "events", "")
	_, pod1 := clientFor(t, srv, ns, "es-1")
	partial := collect(t, podstory.NewRoom(podstory.Options{}), client, evidence.Target{Namespace: ns, Pod: pod1, Containers: []string{cont}, AlertStart: alertStart, Focus: evidence.FocusCPU})
	var ps podstory.Summary
	if len(partial) != 1 || partial[0].Failure != nil || json.Unmarshal(partial[0].Summary, &ps) != nil || len(ps.Story.Failures) != 2 {
		t.Fatalf("partial pod story: %+v", partial)
	}
	checkFixture(t, "pod-story-partial.json", render(t, 25, partial[0]))
}

// TestFixturesAreOnePieceEach keeps the directory honest without collecting anything
// (it runs under -short too): every file is one piece with the API's keys.
func TestFixturesAreOnePieceEach(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s: %v", fixtureDir, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var p apiPiece
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			t.Errorf("%s: not a piece: %v", filepath.Base(f), err)
			continue
		}
		if _, err := time.Parse(time.RFC3339, p.StartedAt); err != nil || p.Kind == "" || p.Source == "" {
			t.Errorf("%s: kind %q source %q startedAt %q", filepath.Base(f), p.Kind, p.Source, p.StartedAt)
		}
		if (p.RawBytes > 0) != (p.RawURL != "") || (p.Failure == nil && string(p.Summary) == "null") {
			t.Errorf("%s: rawBytes %d rawUrl %q failure %v summary %.20s", filepath.Base(f), p.RawBytes, p.RawURL, p.Failure, p.Summary)
		}
	}
}
