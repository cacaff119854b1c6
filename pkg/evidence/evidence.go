// Package evidence is the seam between a capture and the kinds of evidence it can hold.
//
// A capture is one alert on one target. Besides the JVM's busiest threads (the first kind,
// which predates this package and keeps its own columns and API fields), it holds pieces of
// evidence of other kinds: a Go CPU profile, the goroutines, the Go heap, the JVM heap, the
// pod's own story. Each kind lives in a package of its own (a "room": pkg/pprof,
// pkg/jvmheap, pkg/podstory) that implements Room; the capture runs the rooms a target and
// its focus call for, the store keeps every Piece in one table whatever its kind, the API
// serves them as a list, and the frontend picks a view by kind. Adding a kind is adding a
// room and a view, registered in one list each: nothing else branches on the kind.
package evidence

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/seed/stackcapture/pkg/kube"
)

// Kind names a kind of evidence. It is stored and served as is, so it never changes once
// shipped: a kind whose shape changes incompatibly gets a new name.
type Kind string

// KindJVMThreads is the first kind: the busiest JVM threads with their stacks. It is
// stored in the capture's own columns (processes), not as a Piece.
const KindJVMThreads Kind = "jvm-threads"

// Focus is what an alert asks a capture to look at, from its "capture" label: CPU (the busy
// threads, the CPU profile, the goroutines), memory (what fills the heap) or both. The pod's
// story is taken whatever the focus.
type Focus string

// The foci an alert's "capture" label may name.
const (
	FocusCPU    Focus = "cpu"
	FocusMemory Focus = "memory"
	FocusAll    Focus = "all"
)

// FocusLabel is the alert label that chooses the focus of its capture.
const FocusLabel = "capture"

// Foci lists the valid foci, in the order reasons name them.
func Foci() []Focus { return []Focus{FocusCPU, FocusMemory, FocusAll} }

// ParseFocus reads a "capture" label value. Case and surrounding space are ignored; an
// empty value is not a focus (the caller falls back to its default).
func ParseFocus(s string) (Focus, error) {
	v := Focus(strings.ToLower(strings.TrimSpace(s)))
	for _, f := range Foci() {
		if v == f {
			return f, nil
		}
	}
	names := make([]string, 0, len(Foci()))
	for _, f := range Foci() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown %s label %q: use one of %s", FocusLabel, s, strings.Join(names, ", "))
}

// Includes reports whether a capture with focus f takes evidence for focus g: "all"
// includes both others.
func (f Focus) Includes(g Focus) bool { return f == g || f == FocusAll || g == FocusAll }

// Failure says why a piece of evidence could not be taken. Reason is one of a small closed
// set per room (the UI may branch on it, metrics count by it); Message is what to do.
type Failure struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

func (f *Failure) Error() string { return f.Reason + ": " + f.Message }

// Piece is one piece of evidence of a capture, of one kind, from one container (or from
// the pod or node as a whole when Container is empty).
type Piece struct {
	Kind      Kind
	Container string
	// Source says how the piece was reached, in words a user checks against their pod:
	// `container port "pprof" (http://:6060/debug/pprof)`, "jcmd in container app, pid 1".
	Source string
	// Path is what was asked for, when that is a path or command ("/debug/pprof/heap").
	Path    string
	Started time.Time
	Took    time.Duration
	// Failure is set when the piece could not be taken; Summary and Raw may still hold
	// what arrived (a truncated profile).
	Failure *Failure
	// Truncated says the raw output reached its cap.
	Truncated bool
	// Summary is the kind's summary as JSON, served as is under "summary". Its shape is the
	// room's: documented beside its type in the room's package, with an example in
	// contract/evidence/<kind>.json.
	Summary json.RawMessage
	// Raw is the raw evidence as taken (a gzipped pprof protobuf, a jcmd text), kept for
	// download; nil when the kind keeps none. RawName is its download file name's suffix
	// ("cpu.pb.gz", "heap-histogram.txt"), RawType its content type.
	Raw     []byte
	RawName string
	RawType string
}

// Target is what a room is asked to look at: one pod (or one node, for node alerts) as the
// capture resolved it.
type Target struct {
	Cluster   string
	Namespace string
	// Pod is nil for a node alert (a node label and no pod).
	Pod *kube.PodInfo
	// Containers are the containers being captured: the alert's container, or every running
	// container of the pod when it named none.
	Containers []string
	Node       string
	// AlertStart is when the alert began firing; zero for a manual capture (then the
	// capture's start stands for it).
	AlertStart time.Time
	Focus      Focus
}

// Kube is what rooms may ask of Kubernetes. *kube.Client implements it; the capture passes
// its own, bounded by the capture's context.
type Kube interface {
	kube.Executor
	kube.LogReader
	kube.Proxier
	kube.StoryReader
}

var _ Kube = (*kube.Client)(nil)

// Env is what a room gets from the capture: Kubernetes, the sample window (so a CPU
// profile covers the same seconds as the JVM sample), and the cap on each piece's raw
// output (maxOutputBytes).
type Env struct {
	Kube     Kube
	Window   time.Duration
	MaxBytes int64
}

// Room collects the evidence of one or more kinds.
//
// Plan is cheap and does no I/O: it says which kinds the room would collect for a target,
// or none when the target is not its business (a room for Go profiles on a pod that
// declares no pprof endpoint may still plan a piece, to say how to declare one). Collect
// runs concurrently with the other rooms and the JVM sample, within ctx (the capture
// timeout); it returns one Piece per planned kind and container, a failed Piece rather
// than an error, and must not panic (the capture recovers a panic into a failed piece
// anyway, naming the room).
type Room interface {
	Name() string
	Plan(t Target) []Kind
	Collect(ctx context.Context, env Env, t Target) []Piece
}

// OutputBounder is implemented by a room whose planned pieces hold less than Env.MaxBytes each
// (a story bounded by its own options, a piece that fails without any I/O). The capture then
// reserves that many bytes of the process's output budget for the room instead of MaxBytes
// per planned kind: the budget bounds what captures hold at once, and reserving the cap for a
// piece that holds a few KiB would let fewer captures run together than the budget allows.
type OutputBounder interface {
	PlannedOutput(t Target, maxBytes int64) int64
}
