package podstory

import (
	"fmt"
	"slices"
	"time"
)

// Moment is one point on a capture's timeline.
type Moment struct {
	Time time.Time `json:"time"`
	Kind string    `json:"kind"` // alert, started, terminated, restarts, event, capture
	Text string    `json:"text"`
	// Warning marks what the person on call should look at first (OOMKilled, Warning events).
	Warning bool `json:"warning,omitempty"`
}

// Timeline orders what the story knows in time: the alert's start, the last
// termination (e.g. OOMKilled, exit 137), the restarts, the current container's start,
// the pod's events and the capture. Moments without a time are left out; equal times
// keep that order.
func Timeline(s *Story, captureAt time.Time) []Moment {
	var out []Moment
	add := func(t time.Time, kind, text string, warn bool) {
		if !t.IsZero() {
			out = append(out, Moment{Time: t, Kind: kind, Text: text, Warning: warn})
		}
	}
	add(s.AlertStart, "alert", "alert started", false)
	if ls := s.LastState; ls != nil && ls.State == "terminated" {
		text := "container " + s.Container + " terminated"
		if ls.Reason != "" {
			text += ": " + ls.Reason
		}
		if ls.ExitCode != nil {
			text += fmt.Sprintf(", exit code %d", *ls.ExitCode)
		}
		add(ls.FinishedAt, "terminated", text, ls.Reason == "OOMKilled" || (ls.ExitCode != nil && *ls.ExitCode != 0))
	}
	if st := s.State; st != nil {
		switch st.State {
		case "running":
			text := "container " + s.Container + " started"
			if s.RestartCount > 0 {
				text = fmt.Sprintf("container %s started again (restart %d)", s.Container, s.RestartCount)
			}
			add(st.StartedAt, "started", text, false)
		case "terminated":
			add(st.FinishedAt, "terminated", fmt.Sprintf("container %s terminated: %s", s.Container, st.Reason), true)
		}
	}
	for _, e := range s.Events {
		text := e.Reason + ": " + e.Message
		if e.Count > 1 {
			text = fmt.Sprintf("%s (×%d since %s)", text, e.Count, e.FirstTime.UTC().Format(time.TimeOnly))
		}
		if e.EarlierPod {
			text += " [earlier pod of this name]"
		}
		add(e.LastTime, "event", text, e.Type == "Warning")
	}
	add(captureAt, "capture", "capture taken", false)
	slices.SortStableFunc(out, func(a, b Moment) int { return a.Time.Compare(b.Time) })
	return out
}
