package podstory

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
)

// KindPodStory is the kind of evidence this room collects, for every capture of a pod.
const KindPodStory evidence.Kind = "pod-story"

// Summary is the pod-story piece's summary as stored and served: the story and its
// timeline around the alert.
type Summary struct {
	Story    *Story   `json:"story"`
	Timeline []Moment `json:"timeline"`
}

// Room is the evidence.Room of the pod's own story.
type Room struct {
	opts Options
}

var _ evidence.Room = (*Room)(nil)

// NewRoom returns the pod story room; opts bound what is read (zero: the defaults).
func NewRoom(opts Options) *Room { return &Room{opts: opts} }

// Name names the room in reasons and logs.
func (r *Room) Name() string { return "podstory" }

// Plan is one pod-story piece for every pod capture, whatever the focus; none for a node.
func (r *Room) Plan(t evidence.Target) []evidence.Kind {
	if t.Pod == nil {
		return nil
	}
	return []evidence.Kind{KindPodStory}
}

// storyOverhead bounds what a story holds besides its two log excerpts: limits, states and
// up to MaxEvents events (each message is cut by the API server's own bounds, about 1 KiB).
const storyOverhead = 64 << 10

// PlannedOutput is what a story may hold: its two log excerpts (current and previous
// container), each bounded by MaxLogBytes, and the rest; never more than maxBytes.
func (r *Room) PlannedOutput(t evidence.Target, maxBytes int64) int64 {
	if t.Pod == nil {
		return 0
	}
	o := r.opts.withDefaults()
	n := 2*int64(o.MaxLogBytes) + o.MaxEvents*1024 + storyOverhead
	return min(n, maxBytes)
}

var _ evidence.OutputBounder = (*Room)(nil)

// storyContainer is the container the story is about: the alert's (the one captured
// container), else the pod's default container as kubectl picks it, else the first
// captured one. A story needs a container: its limits, state and log are per container.
func storyContainer(t evidence.Target) string {
	if len(t.Containers) == 1 {
		return t.Containers[0]
	}
	if c, err := t.Pod.Container(""); err == nil {
		return c.Name
	}
	if len(t.Containers) > 0 {
		return t.Containers[0]
	}
	if len(t.Pod.Containers) > 0 {
		return t.Pod.Containers[0].Name
	}
	return ""
}

// Collect reads the story around the alert's start (the capture's start for a manual
// capture: then the story's alertStart is that moment and the timeline has no alert).
// What could not be read is inside the story's Failures: the piece itself fails only on
// an internal error.
func (r *Room) Collect(ctx context.Context, env evidence.Env, t evidence.Target) []evidence.Piece {
	if t.Pod == nil {
		return nil
	}
	return []evidence.Piece{r.collect(ctx, env, t)}
}

func (r *Room) collect(ctx context.Context, env evidence.Env, t evidence.Target) (piece evidence.Piece) {
	started := time.Now()
	container := storyContainer(t)
	piece = evidence.Piece{Kind: KindPodStory, Container: container, Started: started,
		Source: fmt.Sprintf("pod %s/%s: get pods, list events, get pods/log", t.Pod.Namespace, t.Pod.Name)}
	defer func() {
		piece.Took = time.Since(started)
		if p := recover(); p != nil {
			piece.Failure = &evidence.Failure{Reason: ReasonFailed, Message: fmt.Sprintf("internal error while reading the pod's story: %v", p)}
		}
	}()
	at := t.AlertStart
	if at.IsZero() {
		at = started
	}
	story := Collect(ctx, env.Kube, Target{Namespace: t.Pod.Namespace, Pod: t.Pod.Name, Container: container, AlertStart: at}, r.opts)
	timeline := Timeline(story, started)
	if t.AlertStart.IsZero() {
		timeline = slices.DeleteFunc(timeline, func(m Moment) bool { return m.Kind == "alert" })
	}
	b, err := json.Marshal(Summary{Story: story, Timeline: timeline})
	if err != nil {
		piece.Failure = &evidence.Failure{Reason: ReasonFailed, Message: fmt.Sprintf("encode the pod story: %v", err)}
		return piece
	}
	piece.Summary = b
	return piece
}
