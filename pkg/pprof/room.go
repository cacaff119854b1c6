package pprof

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/kube"
)

// RoomOptions configure the Go profiles room.
type RoomOptions struct {
	// Parse bounds the summaries (zero: the defaults).
	Parse Options
	// Kubelet allows node alerts to fetch the kubelet's profiles through nodes/proxy, a
	// powerful grant the server admin turns on (the server setting allow_kubelet_pprof).
	// When false a node alert gets one failed piece saying so.
	Kubelet bool
}

// Room is the evidence.Room of the Go kinds: go-cpu, go-goroutines, go-heap.
type Room struct {
	opts RoomOptions
}

var _ evidence.Room = (*Room)(nil)

// NewRoom returns the Go profiles room.
func NewRoom(opts RoomOptions) *Room { return &Room{opts: opts} }

// Name names the room in reasons and logs.
func (r *Room) Name() string { return "pprof" }

// The download names of the raw profiles, and their content type.
const (
	rawType = "application/octet-stream"
)

func rawName(k Kind) string {
	switch k {
	case KindCPU:
		return "cpu.pb.gz"
	case KindGoroutines:
		return "goroutines.pb.gz"
	default:
		return "heap.pb.gz"
	}
}

// kindsFor is what a focus takes from one Go program.
func kindsFor(f evidence.Focus) []Kind {
	var out []Kind
	if f.Includes(evidence.FocusCPU) {
		out = append(out, KindCPU, KindGoroutines)
	}
	if f.Includes(evidence.FocusMemory) {
		out = append(out, KindHeap)
	}
	return out
}

// job is one piece the room will collect: a kind from one container's endpoint, or a
// failure decided without I/O (no endpoint, bad declaration, kubelet not enabled).
type job struct {
	kind      Kind
	container string
	target    Target
	source    string
	failure   *Failure
}

// plan is the pieces for t, in a stable order (container, then kind).
func (r *Room) plan(t evidence.Target) []job {
	focus := t.Focus
	if focus == "" {
		focus = evidence.FocusCPU
	}
	kinds := kindsFor(focus)
	if t.Pod == nil {
		if t.Node == "" {
			return nil
		}
		var jobs []job
		for _, k := range kinds {
			if k == KindHeap {
				continue // the kubelet's heap is not what a node's CPU alert is about
			}
			j := job{kind: k, target: Target{Node: t.Node}, source: fmt.Sprintf("kubelet of node %s (nodes/proxy, %s)", t.Node, DefaultPath)}
			if !r.opts.Kubelet {
				j.failure = &Failure{Reason: ReasonDisabled, Message: fmt.Sprintf(
					"node %s's alert names no pod; the kubelet's profiles are read through nodes/proxy only when the server admin sets allow_kubelet_pprof = true and grants get on nodes/proxy (a powerful grant: deploy/kubernetes/kubelet-pprof.yaml)", t.Node)}
				return []job{j}
			}
			jobs = append(jobs, j)
		}
		return jobs
	}
	containers := t.Containers
	if len(containers) == 0 {
		for _, c := range t.Pod.Containers {
			containers = append(containers, c.Name)
		}
	}
	var jobs []job
	var noEndpoint error
	// Containers share the pod's address: two declarations of one port are one program
	// (a pod-wide annotation on a pod of several containers). It is fetched once, for the
	// container that declares it itself if one does; two CPU profiles at once would make
	// the second fail ("cpu profiling already in use").
	type where struct {
		scheme, path string
		port         int32
	}
	owner := map[where]string{}
	ownsIt := map[string]bool{} // the container declares the endpoint itself
	for _, c := range containers {
		ep, err := Discover(t.Pod, c)
		if err != nil {
			continue
		}
		own := ep.Source != "annotation "+Annotation || declaresPort(t.Pod, c, ep.Port)
		w := where{ep.Scheme, ep.Path, ep.Port}
		if prev, ok := owner[w]; !ok || (own && !ownsIt[prev]) {
			owner[w] = c
		}
		ownsIt[c] = own
	}
	for _, c := range containers {
		ep, err := Discover(t.Pod, c)
		switch {
		case err == nil:
			if owner[where{ep.Scheme, ep.Path, ep.Port}] != c {
				continue
			}
			for _, k := range kinds {
				jobs = append(jobs, job{kind: k, container: c, source: sourceText(ep),
					target: Target{Namespace: t.Pod.Namespace, Pod: t.Pod.Name, Endpoint: ep}})
			}
		case errors.Is(err, ErrBadEndpoint):
			// Declared but unusable: the user meant it, so say what is wrong, once.
			if len(kinds) > 0 {
				jobs = append(jobs, job{kind: kinds[0], container: c, source: fmt.Sprintf("pprof annotation of container %q", c),
					failure: &Failure{Reason: ReasonBadEndpoint, Message: err.Error()}})
			}
		case errors.Is(err, ErrNoEndpoint):
			if noEndpoint == nil {
				noEndpoint = err
			}
		}
		// ErrDisabled: the pod turned pprof off for this container; nothing to say.
	}
	if len(jobs) == 0 && noEndpoint != nil && len(kinds) > 0 {
		jobs = append(jobs, job{kind: kinds[0], source: fmt.Sprintf("annotations and container ports of pod %s/%s", t.Pod.Namespace, t.Pod.Name), failure: &Failure{Reason: ReasonNoEndpoint, Message: fmt.Sprintf(
			"no container of pod %s/%s declares a pprof endpoint, so no Go profile was taken. If it runs a Go program, import _ \"net/http/pprof\" on a server and declare it: annotate the pod with %s: \"http://:6060%s\" (your port and path; %s.<container> for one container), or name the container's port \"pprof\" (\"https-pprof\" for https)",
			t.Pod.Namespace, t.Pod.Name, Annotation, DefaultPath, Annotation)}})
	}
	return jobs
}

// declaresPort says whether container lists port among its container ports.
func declaresPort(pod *kube.PodInfo, container string, port int32) bool {
	for _, p := range pod.Ports {
		if p.Container == container && p.Port == port {
			return true
		}
	}
	return false
}

func sourceText(ep Endpoint) string {
	return fmt.Sprintf("%s (%s://:%d%s)", ep.Source, ep.Scheme, ep.Port, ep.Path)
}

// Plan says which pieces Collect will return: one Kind per piece, per container with a
// declared endpoint (go-cpu and go-goroutines for the cpu focus, go-heap for memory).
// A pod where no captured container declares an endpoint plans one piece (container
// "") that says how to declare one; a node alert plans the kubelet's go-cpu and
// go-goroutines, or one piece saying the kubelet setting is off.
func (r *Room) Plan(t evidence.Target) []evidence.Kind {
	jobs := r.plan(t)
	out := make([]evidence.Kind, len(jobs))
	for i, j := range jobs {
		out[i] = evidence.Kind(j.kind)
	}
	return out
}

// PlannedOutput is what the planned profiles may hold at once: maxBytes for each one fetched,
// nothing for a piece that fails without asking (no endpoint declared, kubelet off).
func (r *Room) PlannedOutput(t evidence.Target, maxBytes int64) int64 {
	var n int64
	for _, j := range r.plan(t) {
		if j.failure == nil {
			n += maxBytes
		}
	}
	return n
}

var _ evidence.OutputBounder = (*Room)(nil)

// Collect fetches every planned profile concurrently (the CPU profile over env.Window)
// and returns one piece per planned kind and container, in Plan's order.
func (r *Room) Collect(ctx context.Context, env evidence.Env, t evidence.Target) []evidence.Piece {
	jobs := r.plan(t)
	pieces := make([]evidence.Piece, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pieces[i] = r.collectOne(ctx, env, j)
		}()
	}
	wg.Wait()
	return pieces
}

func (r *Room) collectOne(ctx context.Context, env evidence.Env, j job) (piece evidence.Piece) {
	piece = evidence.Piece{Kind: evidence.Kind(j.kind), Container: j.container, Source: j.source, Started: time.Now()}
	defer func() {
		if p := recover(); p != nil {
			piece.Failure = &evidence.Failure{Reason: string(ReasonUnparseable), Message: fmt.Sprintf("internal error while collecting the %s profile: %v", j.kind, p)}
		}
	}()
	if j.failure != nil {
		piece.Failure = &evidence.Failure{Reason: string(j.failure.Reason), Message: j.failure.Message}
		return piece
	}
	maxBytes := env.MaxBytes
	if maxBytes <= 0 {
		maxBytes = 16 << 20
	}
	ev := Collect(ctx, env.Kube, Request{Kind: j.kind, Target: j.target, Window: env.Window, MaxBytes: maxBytes, Parse: r.opts.Parse})
	piece.Path, piece.Started, piece.Took = ev.Path, ev.Started, ev.Took
	if len(ev.Raw) > 0 {
		piece.Raw, piece.RawName, piece.RawType = ev.Raw, rawName(j.kind), rawType
	}
	if ev.Failure != nil {
		piece.Failure = &evidence.Failure{Reason: string(ev.Failure.Reason), Message: ev.Failure.Message}
		piece.Truncated = ev.Failure.Reason == ReasonTruncated
	}
	var summary any
	switch {
	case ev.CPU != nil:
		summary = ev.CPU
	case ev.Goroutines != nil:
		summary = ev.Goroutines
	case ev.Heap != nil:
		summary = ev.Heap
	}
	if summary != nil {
		b, err := json.Marshal(summary)
		if err != nil {
			piece.Failure = &evidence.Failure{Reason: string(ReasonUnparseable), Message: fmt.Sprintf("encode the %s summary: %v", j.kind, err)}
			return piece
		}
		piece.Summary = b
	}
	return piece
}
