package capture

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/kube"
)

// kindPodStory is the pod's own story: taken for every capture, it never makes one done on
// its own (see judge).
const kindPodStory evidence.Kind = "pod-story"

// Failure reasons of the pieces the capture itself writes for a room.
const (
	ReasonRoomPanicked = "internal-error"
	ReasonRoomTimeout  = "timeout"
)

// roomGrace is how long past the capture timeout a room may take to return before the capture
// stops waiting for it and records its pieces as timed out: a room must honour its context,
// but one that does not must not hold the capture, its slot and its budget for ever.
const roomGrace = 5 * time.Second

// roomPlan is a room with the kinds it planned for a target.
type roomPlan struct {
	room  evidence.Room
	kinds []evidence.Kind
}

// evidenceTarget is what rooms are asked to look at: the pod, or for a node alert (pod nil)
// the node.
func (m *Manager) evidenceTarget(t alert.Target, pod *kube.PodInfo, node string, containers []string) evidence.Target {
	target := evidence.Target{
		Cluster:    m.cfg.Cluster,
		Namespace:  t.Namespace,
		Pod:        pod,
		Containers: containers,
		Node:       node,
		Focus:      t.Focus,
	}
	if target.Focus == "" {
		target.Focus = evidence.FocusCPU
	}
	if t.Alert != nil {
		target.AlertStart = t.Alert.StartsAt
	}
	return target
}

// plan asks every room what it would take. A room whose Plan panics gets a failed piece
// naming it, and is not run.
func (m *Manager) plan(target evidence.Target) (plans []roomPlan, failed []evidence.Piece) {
	for _, r := range m.cfg.Rooms {
		kinds, err := planRoom(r, target)
		if err != nil {
			m.log.Error("evidence room panicked planning", "room", r.Name(), "error", err)
			failed = append(failed, evidence.Piece{Kind: evidence.Kind(r.Name()), Started: m.now().UTC(),
				Failure: &evidence.Failure{Reason: ReasonRoomPanicked, Message: err.Error()}})
			continue
		}
		if len(kinds) > 0 {
			plans = append(plans, roomPlan{room: r, kinds: kinds})
		}
	}
	return plans, failed
}

func planRoom(r evidence.Room, target evidence.Target) (kinds []evidence.Kind, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: evidence room %s panicked while planning: %v", r.Name(), p)
		}
	}()
	return r.Plan(target), nil
}

// heldOutputs is the output a capture may hold at once: the probe's output per container when
// the JVM threads are taken (MaxOutputBytes each), and what each planned room may hold — its
// own bound when it knows one (evidence.OutputBounder), else MaxOutputBytes per planned kind.
func (m *Manager) heldOutputs(target evidence.Target, containers []string, plans []roomPlan) int64 {
	var n int64
	if probesJVM(target) {
		n += m.cfg.MaxOutputBytes * int64(len(containers))
	}
	for _, p := range plans {
		if b, ok := p.room.(evidence.OutputBounder); ok {
			n += min(max(b.PlannedOutput(target, m.cfg.MaxOutputBytes), 0), m.cfg.MaxOutputBytes*int64(len(p.kinds)))
			continue
		}
		n += m.cfg.MaxOutputBytes * int64(len(p.kinds))
	}
	return n
}

// collect runs the JVM probe (when the focus includes cpu) and every planned room at once,
// so a Go CPU profile covers the same window as the JVM sample, and gathers their pieces. As
// each room returns, what it reserved of the budget beyond the bytes its pieces hold is given
// back: a piece that failed without I/O (no endpoint declared) holds nothing, and must not keep
// other captures waiting for the whole capture's end.
func (m *Manager) collect(ctx context.Context, id int64, t alert.Target, target evidence.Target, containers []string, plans []roomPlan, held *reservation) outcome {
	type roomResult struct {
		i      int
		pieces []evidence.Piece
	}
	results := make(chan roomResult, len(plans)) // buffered: a room returning late never blocks
	env := evidence.Env{Kube: m.kube, Window: m.cfg.SampleWindow, MaxBytes: m.cfg.MaxOutputBytes}
	for i, p := range plans {
		go func() {
			results <- roomResult{i: i, pieces: m.runRoom(ctx, env, p, target)}
		}()
	}

	// The probe runs on a goroutine of its own too, so the budget a room gives back as it
	// returns is free for other captures while the probe still samples.
	probed := probesJVM(target)
	probeDone := make(chan outcome, 1)
	if probed {
		go func() {
			defer func() {
				if p := recover(); p != nil {
					m.log.Error("capture probe panicked", "id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					probeDone <- outcome{err: fmt.Sprintf("internal error: %v", p)}
				}
			}()
			probeDone <- m.probeContainers(ctx, id, t, containers)
		}()
	}

	byRoom := make([][]evidence.Piece, len(plans))
	got := make([]bool, len(plans))
	// The probe keeps its share until the capture is stored; each room keeps its share until
	// it returns, then what its pieces hold.
	var probeShare int64
	if probed {
		probeShare = m.cfg.MaxOutputBytes * int64(len(containers))
	}
	shrink := func() {
		need := probeShare
		for i, p := range plans {
			if got[i] {
				need += piecesBytes(byRoom[i])
			} else {
				need += m.cfg.MaxOutputBytes * int64(len(p.kinds))
			}
		}
		held.shrinkTo(need)
	}
	ctxDone := ctx.Done()
	var late <-chan time.Time // nil until the capture timeout: a nil channel never fires
	var out outcome
	for waiting, probing := len(plans), probed; waiting > 0 || probing; {
		select {
		case out = <-probeDone:
			probing = false
		case r := <-results:
			if !got[r.i] {
				byRoom[r.i], got[r.i] = r.pieces, true
				waiting--
				shrink()
			}
		case <-ctxDone:
			ctxDone = nil
			timer := time.NewTimer(roomGrace)
			defer timer.Stop()
			late = timer.C
		case <-late:
			// Rooms still out are recorded as timed out; the probe, bounded by ctx, is
			// still waited for.
			waiting, late = 0, nil
		}
	}
	for i, p := range plans {
		if !got[i] {
			m.log.Error("evidence room did not return within the capture timeout", "id", id, "room", p.room.Name())
			byRoom[i] = failedPieces(p, target, m.now().UTC(), ReasonRoomTimeout, fmt.Sprintf(
				"evidence room %s did not return within captureTimeout (%s)", p.room.Name(), m.cfg.CaptureTimeout))
		}
		out.pieces = append(out.pieces, byRoom[i]...)
	}
	return out
}

// piecesBytes is what pieces hold in memory until they are stored.
func piecesBytes(ps []evidence.Piece) int64 {
	var n int64
	for _, p := range ps {
		n += int64(len(p.Raw) + len(p.Summary))
	}
	return n
}

// runRoom collects one room's pieces; a panic becomes a failed piece per planned kind naming
// the room.
func (m *Manager) runRoom(ctx context.Context, env evidence.Env, p roomPlan, target evidence.Target) (pieces []evidence.Piece) {
	started := time.Now()
	defer func() {
		if r := recover(); r != nil {
			m.log.Error("evidence room panicked", "room", p.room.Name(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			pieces = failedPieces(p, target, started.UTC(), ReasonRoomPanicked,
				fmt.Sprintf("internal error: evidence room %s panicked: %v", p.room.Name(), r))
		}
		m.cfg.Observer.Phase(p.room.Name(), time.Since(started))
	}()
	return p.room.Collect(ctx, env, target)
}

// failedPieces stands for what a room did not return: one failed piece per planned kind.
func failedPieces(p roomPlan, target evidence.Target, started time.Time, reason, message string) []evidence.Piece {
	out := make([]evidence.Piece, 0, len(p.kinds))
	container := ""
	if len(target.Containers) == 1 {
		container = target.Containers[0]
	}
	for _, k := range p.kinds {
		out = append(out, evidence.Piece{Kind: k, Container: container, Started: started,
			Failure: &evidence.Failure{Reason: reason, Message: message}})
	}
	return out
}

// probesJVM says whether the capture runs the JVM thread probe: on a pod, when the focus
// includes cpu.
func probesJVM(t evidence.Target) bool { return t.Pod != nil && t.Focus.Includes(evidence.FocusCPU) }

// judge decides the outcome of a capture from the JVM probe and the pieces. It is done when
// the JVM threads or any piece other than the pod's story was taken; failed otherwise, with a
// reason that joins the JVM's and every room's. The pieces are stored either way.
func judge(out outcome, target evidence.Target, roomsRan bool) outcome {
	focus := target.Focus
	probed := probesJVM(target)
	what := "this pod"
	if target.Pod == nil {
		what = "node " + target.Node
	}
	if !roomsRan {
		if !probed {
			out.err = fmt.Sprintf("nothing to capture for the %s focus: no kind of evidence applies to %s", focus, what)
		}
		return out // the JVM threads alone, as before rooms
	}
	if probed && out.err == "" {
		return out
	}
	var reasons []string
	if probed {
		reasons = append(reasons, out.err)
	}
	seen := map[string]bool{}
	for _, p := range out.pieces {
		if p.Kind == kindPodStory {
			continue
		}
		if p.Failure == nil {
			out.err = ""
			return out
		}
		msg := p.Failure.Message
		if msg == "" {
			msg = p.Failure.Reason
		}
		if !seen[msg] {
			seen[msg] = true
			reasons = append(reasons, msg)
		}
	}
	if len(reasons) == 0 {
		reasons = append(reasons, fmt.Sprintf("nothing to capture for the %s focus: no kind of evidence applies to %s (only its story was taken)", focus, what))
	}
	out.err = strings.Join(reasons, "; ")
	return out
}
