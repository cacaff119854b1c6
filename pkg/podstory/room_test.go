package podstory

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/kube"
)

func (w *world) podInfo(t *testing.T) *kube.PodInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := w.client.Pod(ctx, ns, pod)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *world) roomPiece(t *testing.T, tgt evidence.Target) (evidence.Piece, Summary) {
	t.Helper()
	room := NewRoom(Options{MaxLogLines: 50})
	if got := room.Plan(tgt); len(got) != 1 || got[0] != KindPodStory {
		t.Fatalf("plan %v", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pieces := room.Collect(ctx, evidence.Env{Kube: w.client, Window: time.Second, MaxBytes: 1 << 20}, tgt)
	if len(pieces) != 1 {
		t.Fatalf("%d pieces", len(pieces))
	}
	p := pieces[0]
	if p.Kind != KindPodStory || p.Failure != nil || p.Raw != nil || p.Started.IsZero() || p.Took <= 0 {
		t.Fatalf("piece %+v", p)
	}
	var s Summary
	if err := json.Unmarshal(p.Summary, &s); err != nil || s.Story == nil {
		t.Fatalf("summary %s: %v", p.Summary, err)
	}
	return p, s
}

func momentKinds(tl []Moment) map[string]int {
	out := map[string]int{}
	for _, m := range tl {
		out[m.Kind]++
	}
	return out
}

func TestRoomTellsTheStory(t *testing.T) {
	w := newWorld(t)
	pi := w.podInfo(t)
	for _, f := range evidence.Foci() {
		if got := NewRoom(Options{}).Plan(evidence.Target{Pod: pi, Focus: f}); len(got) != 1 {
			t.Errorf("focus %s plans %v", f, got)
		}
	}
	if got := NewRoom(Options{}).Plan(evidence.Target{Node: "n1", Focus: evidence.FocusCPU}); len(got) != 0 {
		t.Errorf("node alert plans %v", got)
	}

	t.Run("alert on the OOM-killed container", func(t *testing.T) {
		p, s := w.roomPiece(t, evidence.Target{Namespace: ns, Pod: pi, Containers: []string{cont}, AlertStart: w.alertStart, Focus: evidence.FocusMemory})
		if p.Container != cont || s.Story.Container != cont || len(s.Story.Failures) != 0 {
			t.Fatalf("container %q story %+v", p.Container, s.Story)
		}
		if ls := s.Story.LastState; ls == nil || ls.Reason != "OOMKilled" || s.Story.PreviousLog == nil || len(s.Story.PreviousLog.Lines) != 50 {
			t.Errorf("last state %+v previous log %+v", ls, s.Story.PreviousLog)
		}
		k := momentKinds(s.Timeline)
		if k["alert"] != 1 || k["terminated"] != 1 || k["capture"] != 1 || k["event"] < 2 {
			t.Errorf("timeline %+v", s.Timeline)
		}
		if !s.Story.AlertStart.Equal(w.alertStart) {
			t.Errorf("alert start %v, want %v", s.Story.AlertStart, w.alertStart)
		}
	})
	t.Run("every container captured: the first, no alert start: no alert moment", func(t *testing.T) {
		p, s := w.roomPiece(t, evidence.Target{Namespace: ns, Pod: pi, Containers: []string{cont, "exporter"}, Focus: evidence.FocusCPU})
		if p.Container != cont || s.Story.Container != cont {
			t.Errorf("container %q / %q", p.Container, s.Story.Container)
		}
		if k := momentKinds(s.Timeline); k["alert"] != 0 || k["capture"] != 1 {
			t.Errorf("timeline %+v", s.Timeline)
		}
	})
	t.Run("events forbidden is inside the story, not a failed piece", func(t *testing.T) {
		w.srv.Deny("list", "events", "")
		_, s := w.roomPiece(t, evidence.Target{Namespace: ns, Pod: pi, Containers: []string{cont}, AlertStart: w.alertStart, Focus: evidence.FocusCPU})
		if !hasFailure(s.Story, "events", ReasonForbidden) || s.Story.LastState == nil {
			t.Errorf("story %+v", s.Story)
		}
	})
}
