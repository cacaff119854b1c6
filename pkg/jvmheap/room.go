package jvmheap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/kube"
)

// KindJVMHeap is the kind of evidence this room collects.
const KindJVMHeap evidence.Kind = "jvm-heap"

// DefaultMaxHistogramHeap bounds the used heap above which no class histogram is taken:
// the walk's pause grows with the heap (about 1 s per GiB in "-all" mode on a loaded
// 2-core machine, see doc.go), and a JVM in trouble should not be stopped for longer.
const DefaultMaxHistogramHeap = 2 << 30

// Piece-level reasons, beside the part reasons of Evidence.Failures.
const (
	ReasonNoJVM      = "no-jvm"         // no JVM runs in the container
	ReasonNoShell    = "no-shell"       // the image has no /bin/sh (distroless)
	ReasonForbidden  = "forbidden"      // RBAC: no create on pods/exec
	ReasonPodGone    = "pod-gone"       // the pod or container is gone
	ReasonExecFailed = "exec-failed"    // the exec itself failed; the message says how
	ReasonHeapTooBig = "heap-too-large" // histogram part: the used heap is above the bound
)

// RoomOptions configure the JVM heap room. Zero values take the defaults.
type RoomOptions struct {
	// Mode is how the class histogram is taken (default DefaultHistogramMode, "all").
	Mode HistogramMode
	// MaxHistogramHeap skips the histogram of a JVM whose used heap is larger, with the
	// reason heap-too-large (default DefaultMaxHistogramHeap; negative: no bound).
	MaxHistogramHeap int64
	// ToolTimeout bounds each jcmd run (default DefaultToolTimeout).
	ToolTimeout time.Duration
	// Top is how many histogram rows are kept (default DefaultTopN).
	Top int
}

func (o RoomOptions) withDefaults() RoomOptions {
	if o.Mode == "" {
		o.Mode = DefaultHistogramMode
	}
	if o.MaxHistogramHeap == 0 {
		o.MaxHistogramHeap = DefaultMaxHistogramHeap
	}
	if o.ToolTimeout <= 0 {
		o.ToolTimeout = DefaultToolTimeout
	}
	if o.Top <= 0 {
		o.Top = DefaultTopN
	}
	return o
}

// Room is the evidence.Room of the jvm-heap kind: jcmd's heap reports, run in the
// container through the same exec as the thread probe.
type Room struct {
	opts RoomOptions
}

var _ evidence.Room = (*Room)(nil)

// NewRoom returns the JVM heap room. An unknown histogram mode is an error.
func NewRoom(opts RoomOptions) (*Room, error) {
	opts = opts.withDefaults()
	if _, err := Args(opts.Mode, opts.ToolTimeout, opts.Top); err != nil {
		return nil, err
	}
	return &Room{opts: opts}, nil
}

// Name names the room in reasons and logs.
func (r *Room) Name() string { return "jvmheap" }

func containersOf(t evidence.Target) []string {
	if t.Pod == nil || !t.Focus.Includes(evidence.FocusMemory) {
		return nil
	}
	if len(t.Containers) > 0 {
		return t.Containers
	}
	out := make([]string, 0, len(t.Pod.Containers))
	for _, c := range t.Pod.Containers {
		out = append(out, c.Name)
	}
	return out
}

// Plan is one jvm-heap piece per captured container when the focus includes memory.
func (r *Room) Plan(t evidence.Target) []evidence.Kind {
	cs := containersOf(t)
	out := make([]evidence.Kind, len(cs))
	for i := range cs {
		out[i] = KindJVMHeap
	}
	return out
}

// Collect takes the heap evidence of every captured container concurrently: one exec for
// GC.heap_info, Metaspace and NMT, then, for the JVMs whose used heap is within the
// bound, a second one for the class histogram. Each piece holds the JVM with the largest
// heap of its container.
func (r *Room) Collect(ctx context.Context, env evidence.Env, t evidence.Target) []evidence.Piece {
	cs := containersOf(t)
	pieces := make([]evidence.Piece, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pieces[i] = r.collectOne(ctx, env, t.Pod, c)
		}()
	}
	wg.Wait()
	return pieces
}

// execResult is one run of heap.sh.
type execResult struct {
	out       *ProbeOutput
	truncated bool
	err       error
}

func (r *Room) exec(ctx context.Context, env evidence.Env, pod *kube.PodInfo, container string, args []string) execResult {
	limit := env.MaxBytes
	if limit <= 0 {
		limit = 16 << 20
	}
	stdout := &cappedBuffer{max: limit}
	stderr := &cappedBuffer{max: 4 << 10}
	err := env.Kube.Exec(ctx, kube.ExecRequest{Namespace: pod.Namespace, Pod: pod.Name, Container: container,
		Command: args, Stdin: bytes.NewReader(Script()), Stdout: stdout, Stderr: stderr})
	raw, capped := stdout.contents()
	out, parseErr := ParseProbeOutput(bytes.NewReader(raw))
	res := execResult{out: out, truncated: capped}
	switch {
	case out.Complete:
	case err != nil:
		if s, _ := stderr.contents(); len(bytes.TrimSpace(s)) > 0 {
			err = fmt.Errorf("%w (stderr: %s)", err, bytes.TrimSpace(s))
		}
		res.err = err
	case parseErr != nil && len(out.JVMs) == 0 && !out.NoJVM:
		res.err = fmt.Errorf("heap probe output: %w", parseErr)
	}
	return res
}

func (r *Room) collectOne(ctx context.Context, env evidence.Env, pod *kube.PodInfo, container string) (piece evidence.Piece) {
	piece = evidence.Piece{Kind: KindJVMHeap, Container: container, Started: time.Now(),
		Source: fmt.Sprintf("jcmd in container %s (heap.sh over pods/exec)", container),
		Path:   "GC.heap_info, VM.native_memory summary"}
	defer func() {
		piece.Took = time.Since(piece.Started)
		if p := recover(); p != nil {
			piece.Failure = &evidence.Failure{Reason: ReasonExecFailed, Message: fmt.Sprintf("internal error while taking the JVM heap evidence: %v", p)}
		}
	}()
	args, err := Args(HistogramNone, r.opts.ToolTimeout, r.opts.Top)
	if err != nil {
		piece.Failure = &evidence.Failure{Reason: ReasonExecFailed, Message: err.Error()}
		return piece
	}
	first := r.exec(ctx, env, pod, container, args)
	piece.Truncated = first.truncated
	if first.err != nil {
		piece.Failure = execFailure(ctx, first.err, pod, container)
		return piece
	}
	if first.out.NoJVM || len(first.out.JVMs) == 0 {
		piece.Failure = &evidence.Failure{Reason: ReasonNoJVM, Message: fmt.Sprintf(
			"no JVM runs in container %q of pod %s/%s: jvm-heap evidence is for Java processes (a Go program's heap comes from its pprof endpoint)", container, pod.Namespace, pod.Name)}
		return piece
	}

	// Which JVMs get a histogram: those whose used heap is known and within the bound.
	type jvm struct {
		out  *JVMOutput
		heap *HeapInfo
		skip *Failure
	}
	jvms := make([]jvm, len(first.out.JVMs))
	var pids []int
	for i, j := range first.out.JVMs {
		jvms[i].out = j
		for _, c := range j.Commands {
			if hi, ok := ParseHeapInfo(c.Text); c.Name == "heap_info" && ok {
				jvms[i].heap = &hi
			}
		}
		switch {
		case r.opts.Mode == HistogramNone || jvms[i].heap == nil:
		case r.opts.MaxHistogramHeap > 0 && jvms[i].heap.UsedBytes > r.opts.MaxHistogramHeap:
			jvms[i].skip = &Failure{Part: "histogram", Reason: ReasonHeapTooBig, Message: fmt.Sprintf(
				"the heap holds %d MiB, above the histogram bound of %d MiB: walking it would stop the JVM for too long (about a second per GiB without a full GC); the heap summary, Metaspace and native memory are kept",
				jvms[i].heap.UsedBytes>>20, r.opts.MaxHistogramHeap>>20)}
		default:
			pids = append(pids, j.PID)
		}
	}
	complete := first.out.Complete
	var histoErr error
	if len(pids) > 0 {
		hargs, err := HistogramArgs(r.opts.Mode, r.opts.ToolTimeout, r.opts.Top, pids)
		if err != nil {
			histoErr = err
		} else {
			second := r.exec(ctx, env, pod, container, hargs)
			piece.Truncated = piece.Truncated || second.truncated
			if second.err != nil {
				histoErr = second.err
			}
			// Each JVM's histogram joins what the first run said of it.
			for _, hj := range second.out.JVMs {
				for i := range jvms {
					if jvms[i].out.PID == hj.PID {
						jvms[i].out.Commands = append(jvms[i].out.Commands, hj.Commands...)
						jvms[i].out.Errors = append(jvms[i].out.Errors, hj.Errors...)
					}
				}
			}
			complete = complete && second.out.Complete
		}
	}

	// The piece holds the JVM with the largest heap: the one a memory alert is about.
	best := 0
	for i := range jvms {
		if jvms[i].heap != nil && (jvms[best].heap == nil || jvms[i].heap.UsedBytes > jvms[best].heap.UsedBytes) {
			best = i
		}
	}
	b := jvms[best]
	ev := Summarize(b.out, r.opts.Mode, r.opts.Top, complete)
	if b.skip != nil {
		ev.Failures = append(ev.Failures, *b.skip)
	} else if histoErr != nil && ev.Histogram == nil && r.opts.Mode != HistogramNone && b.heap != nil {
		ev.Failures = append(ev.Failures, Failure{Part: "histogram", Reason: histogramReason(ctx, histoErr), Message: "GC.class_histogram: " + histoErr.Error()})
	}
	piece.Source = fmt.Sprintf("jcmd in container %s, pid %d", container, b.out.PID)
	if len(jvms) > 1 {
		piece.Source += fmt.Sprintf(" (the largest heap of %d JVMs)", len(jvms))
	}
	if ev.Histogram != nil {
		piece.Path = "GC.heap_info, GC.class_histogram"
		if r.opts.Mode == HistogramAll {
			piece.Path += " -all"
		}
		piece.Path += ", VM.native_memory summary"
		for _, c := range b.out.Commands {
			if c.Name == "class_histogram" {
				piece.Raw, piece.RawName, piece.RawType = []byte(c.Text), "heap-histogram.txt", "text/plain; charset=utf-8"
			}
		}
	}
	summary, err := json.Marshal(ev)
	if err != nil {
		piece.Failure = &evidence.Failure{Reason: ReasonExecFailed, Message: fmt.Sprintf("encode the jvm-heap summary: %v", err)}
		return piece
	}
	piece.Summary = summary
	// Partial evidence is not a failure; nothing at all is, with the first part's reason.
	if ev.Heap == nil && ev.Histogram == nil && len(ev.Failures) > 0 {
		f := ev.Failures[0]
		piece.Failure = &evidence.Failure{Reason: f.Reason, Message: f.Message}
	}
	return piece
}

func histogramReason(ctx context.Context, err error) string {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return ReasonTimeout
	}
	return ReasonCommandFailed
}

// execFailure names why the exec itself failed, and what to do.
func execFailure(ctx context.Context, err error, pod *kube.PodInfo, container string) *evidence.Failure {
	var forbidden *kube.ForbiddenError
	switch {
	case errors.As(err, &forbidden):
		return &evidence.Failure{Reason: ReasonForbidden, Message: forbidden.Error() + " to the plugin's service account"}
	case errors.Is(err, kube.ErrExecutableNotFound):
		return &evidence.Failure{Reason: ReasonNoShell, Message: fmt.Sprintf("container %q has no /bin/sh: the heap probe needs a POSIX shell and the JDK's jcmd, so images without them (distroless) give no JVM heap evidence: %v", container, err)}
	case errors.Is(err, kube.ErrPodNotFound) || errors.Is(err, kube.ErrContainerNotFound):
		return &evidence.Failure{Reason: ReasonPodGone, Message: fmt.Sprintf("container %q of pod %s/%s is gone: %v", container, pod.Namespace, pod.Name, err)}
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		return &evidence.Failure{Reason: ReasonTimeout, Message: fmt.Sprintf("the heap probe did not finish within the capture timeout (each jcmd may take up to its tool timeout): raise captureTimeout: %v", err)}
	}
	return &evidence.Failure{Reason: ReasonExecFailed, Message: fmt.Sprintf("the heap probe in container %q failed: %v", container, err)}
}

// cappedBuffer keeps the first max bytes written and swallows the rest, so a runaway
// command cannot take the plugin's memory; capped says something was left out.
type cappedBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	max    int64
	capped bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - int64(b.buf.Len()); room < int64(len(p)) {
		b.capped = true
		if room > 0 {
			b.buf.Write(p[:room])
		}
		return len(p), nil
	}
	b.buf.Write(p)
	return len(p), nil
}

// contents is what was kept, and whether anything was left out.
func (b *cappedBuffer) contents() ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes()), b.capped
}
