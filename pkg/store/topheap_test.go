package store

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvm"
)

// contractPiece reads a piece of contract/evidence/<name>.json: real collections, served
// as the API serves them.
func contractPiece(t *testing.T, name string) evidence.Piece {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "contract", "evidence", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Kind      string          `json:"kind"`
		Container string          `json:"container"`
		Source    string          `json:"source"`
		Path      string          `json:"path"`
		TookMs    int64           `json:"tookMs"`
		Summary   json.RawMessage `json:"summary"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("contract evidence %s: %v", name, err)
	}
	return evidence.Piece{Kind: evidence.Kind(p.Kind), Container: p.Container, Source: p.Source, Path: p.Path,
		Started: base, Took: time.Duration(p.TookMs) * time.Millisecond, Summary: p.Summary}
}

// TestTopFunctionOfMemoryCaptures: a memory capture's list answer is what fills its heap (the
// JVM histogram's top class, the Go heap's top in-use function) with its bytes, computed
// when the pieces are stored; a CPU answer (a go-cpu top or a top JVM thread) wins for
// the other foci, and the heap's stands in only when there is none.
func TestTopFunctionOfMemoryCaptures(t *testing.T) {
	jvmHeap := contractPiece(t, "jvm-heap")   // HeapGrow$Block, 93323232 bytes, in elasticsearch
	goHeap := contractPiece(t, "go-heap")     // main.growHeap, 4461008 bytes in use, in app
	goCPU := contractPiece(t, "go-cpu")       // main.burnCPU
	podStory := contractPiece(t, "pod-story") // never an answer
	failedHeap := goHeap
	failedHeap.Summary, failedHeap.Failure = nil, &evidence.Failure{Reason: "timeout", Message: "the heap profile took longer than 10s"}
	// A class histogram whose top is an array: listed by its Java name.
	var arrays map[string]any
	if err := json.Unmarshal(jvmHeap.Summary, &arrays); err != nil {
		t.Fatal(err)
	}
	arrays["histogram"] = map[string]any{"all": false, "top": []any{
		map[string]any{"rank": 1, "class": "[B", "display": "byte[]", "module": "java.base@17", "instances": 10, "bytes": 5 << 20},
		map[string]any{"rank": 2, "class": "Plain", "instances": 1, "bytes": 16},
	}}
	arrayHeap := jvmHeap
	arrayHeap.Container, arrayHeap.Summary = "other", mustJSON(t, arrays)

	jvmTop := &TopFunction{Kind: TopHeap, Name: "HeapGrow$Block", Container: "elasticsearch", Bytes: 93323232}
	goTop := &TopFunction{Kind: TopHeap, Name: "main.growHeap", Container: "app", Bytes: 4461008}
	tests := []struct {
		name    string
		focus   evidence.Focus
		threads bool // the capture has JVM threads: a top thread
		fail    bool // stored by Fail rather than Finish
		pieces  []evidence.Piece
		want    *TopFunction // nil: none; Kind TopCPU: any CPU answer named Name
	}{
		{name: "memory: JVM class", focus: evidence.FocusMemory, pieces: []evidence.Piece{podStory, jvmHeap}, want: jvmTop},
		{name: "memory: Go in-use function", focus: evidence.FocusMemory, pieces: []evidence.Piece{goHeap, podStory}, want: goTop},
		{name: "memory: the larger of two heaps", focus: evidence.FocusMemory, pieces: []evidence.Piece{goHeap, jvmHeap}, want: jvmTop},
		{name: "memory: array class by its Java name", focus: evidence.FocusMemory, pieces: []evidence.Piece{arrayHeap},
			want: &TopFunction{Kind: TopHeap, Name: "byte[]", Container: "other", Bytes: 5 << 20}},
		{name: "memory: heap beats a top thread", focus: evidence.FocusMemory, threads: true, pieces: []evidence.Piece{jvmHeap}, want: jvmTop},
		{name: "memory: failed capture keeps its heap answer", focus: evidence.FocusMemory, fail: true, pieces: []evidence.Piece{jvmHeap}, want: jvmTop},
		{name: "memory: heap failed, nothing to name", focus: evidence.FocusMemory, pieces: []evidence.Piece{failedHeap, podStory}},
		{name: "all: CPU answer first", focus: evidence.FocusAll, pieces: []evidence.Piece{goHeap, goCPU}, want: &TopFunction{Kind: TopCPU, Name: "main.burnCPU"}},
		{name: "all: heap when no CPU answer", focus: evidence.FocusAll, pieces: []evidence.Piece{goHeap}, want: goTop},
		{name: "all: a top thread is the CPU answer", focus: evidence.FocusAll, threads: true, pieces: []evidence.Piece{jvmHeap}},
		{name: "cpu: heap when no CPU answer", focus: evidence.FocusCPU, pieces: []evidence.Piece{podStory, jvmHeap}, want: jvmTop},
		{name: "cpu: Go CPU answer", focus: evidence.FocusCPU, pieces: []evidence.Piece{goCPU, jvmHeap}, want: &TopFunction{Kind: TopCPU, Name: "main.burnCPU"}},
	}
	s := openTest(t)
	ctx := testCtx(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newQueued("shop", "pod-"+string(rune('a'+i)), base.Add(time.Duration(i)*time.Minute))
			c.OrgID, c.Focus = 1, tt.focus
			id := mustInsert(t, s, c)
			if err := s.MarkRunning(ctx, id, c.CreatedAt, "app", "node-1"); err != nil {
				t.Fatal(err)
			}
			var procs []jvm.Process
			if tt.threads {
				procs = testProcesses(t)
			}
			var err error
			if tt.fail {
				err = s.Fail(ctx, id, c.CreatedAt.Add(time.Second), "the capture ran over its timeout", procs, tt.pieces...)
			} else {
				err = s.Finish(ctx, id, c.CreatedAt.Add(time.Second), procs, false, 2000, tt.pieces...)
			}
			if err != nil {
				t.Fatal(err)
			}
			got := mustGet(t, s, id).TopFunction
			page, err := s.List(ctx, Filter{OrgID: 1, Pod: c.Pod})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Captures) != 1 {
				t.Fatalf("list of pod %s: %d captures", c.Pod, len(page.Captures))
			}
			if listed := page.Captures[0].TopFunction; !reflect.DeepEqual(listed, got) {
				t.Errorf("list has %+v, Get %+v", listed, got)
			}
			switch {
			case tt.want == nil:
				if got != nil {
					t.Errorf("top function %+v, want none", got)
				}
			case tt.want.Kind == TopCPU:
				if got == nil || got.Kind != TopCPU || got.Name != tt.want.Name || got.Share <= 0 || got.Bytes != 0 {
					t.Errorf("top function %+v, want the CPU answer %s", got, tt.want.Name)
				}
			default:
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("top function %+v, want %+v", got, tt.want)
				}
			}
		})
	}
}
