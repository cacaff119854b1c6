// Package podstory reads a pod's own story around an alert from the API server: the
// container's requests and limits, QoS class, restart count, current and last state
// (e.g. terminated OOMKilled, exit code 137, at T), the pod's recent events, the
// container's log lines around the alert's start and, when it restarted, the previous
// container's last lines. Everything is bounded in lines and bytes. Partial evidence is
// not a failure: each part that could not be read says why in Failures and the rest is
// kept.
//
// It is the "pod-story" evidence kind (see pkg/pprof/doc.go for the shape): Collect is
// the collector, Story the stored summary (JSON), Timeline the view's ordered events.
// It needs exactly these grants in the target namespace (RequiredAccess): get pods,
// list events, get pods/log.
package podstory

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"

	"github.com/seed/stackcapture/pkg/kube"
)

// Access is one RBAC grant the story needs (core API group, the target's namespace).
type Access struct{ Verb, Resource, Subresource string }

// RequiredAccess is least privilege for Collect, for RBAC manifests and the health check.
var RequiredAccess = []Access{
	{"get", "pods", ""},
	{"list", "events", ""},
	{"get", "pods", "log"},
}

// Target names the container and the alert's start.
type Target struct {
	Namespace  string
	Pod        string
	Container  string // empty: the pod's default container, as kubectl picks it
	AlertStart time.Time
}

// Options bound what is read. Zero fields take the defaults.
type Options struct {
	MaxEvents    int64         // events listed (default 50)
	LogBefore    time.Duration // log read from this long before the alert's start (default 2m)
	MaxLogLines  int           // lines kept per log (default 200; around the alert, half before it)
	MaxLogBytes  int           // bytes kept per log (default 64 KiB)
	MaxLineBytes int           // a longer line is cut (default 2 KiB)
}

func (o Options) withDefaults() Options {
	if o.MaxEvents <= 0 {
		o.MaxEvents = 50
	}
	if o.LogBefore <= 0 {
		o.LogBefore = 2 * time.Minute
	}
	if o.MaxLogLines <= 0 {
		o.MaxLogLines = 200
	}
	if o.MaxLogBytes <= 0 {
		o.MaxLogBytes = 64 << 10
	}
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = 2 << 10
	}
	return o
}

// Story is the pod's story, as stored and served (JSON).
type Story struct {
	Namespace    string            `json:"namespace"`
	Pod          string            `json:"pod"`
	PodUID       string            `json:"podUID,omitempty"`
	Container    string            `json:"container"`
	Node         string            `json:"node,omitempty"`
	Phase        string            `json:"phase,omitempty"`
	QOSClass     string            `json:"qosClass,omitempty"`
	Requests     map[string]string `json:"requests,omitempty"` // "cpu": "500m", "memory": "512Mi"
	Limits       map[string]string `json:"limits,omitempty"`
	RestartCount int32             `json:"restartCount"`
	State        *ContainerState   `json:"state,omitempty"`
	LastState    *ContainerState   `json:"lastState,omitempty"`
	Events       []Event           `json:"events,omitempty"`
	Log          *LogExcerpt       `json:"log,omitempty"`
	PreviousLog  *LogExcerpt       `json:"previousLog,omitempty"`
	Failures     []Failure         `json:"failures,omitempty"`
	AlertStart   time.Time         `json:"alertStart"`
	ReadAt       time.Time         `json:"readAt"`
}

// ContainerState is one of running, waiting or terminated.
type ContainerState struct {
	State      string    `json:"state"`            // running, waiting, terminated
	Reason     string    `json:"reason,omitempty"` // OOMKilled, Error, CrashLoopBackOff…
	Message    string    `json:"message,omitempty"`
	ExitCode   *int32    `json:"exitCode,omitempty"`
	Signal     int32     `json:"signal,omitempty"`
	StartedAt  time.Time `json:"startedAt,omitzero"`
	FinishedAt time.Time `json:"finishedAt,omitzero"`
}

// Event is one core/v1 event about the pod.
type Event struct {
	Type      string    `json:"type"` // Normal, Warning
	Reason    string    `json:"reason"`
	Message   string    `json:"message"`
	Count     int32     `json:"count"`
	FirstTime time.Time `json:"firstTime,omitzero"`
	LastTime  time.Time `json:"lastTime,omitzero"`
	Source    string    `json:"source,omitempty"` // kubelet, default-scheduler…
	// EarlierPod marks an event about an earlier pod of the same name (StatefulSets).
	EarlierPod bool `json:"earlierPod,omitempty"`
}

// LogExcerpt is a bounded part of a container's log.
type LogExcerpt struct {
	Previous  bool      `json:"previous"`
	Since     time.Time `json:"since,omitzero"`
	Lines     []LogLine `json:"lines"`
	Truncated bool      `json:"truncated"` // lines or bytes were left out
}

// LogLine is one log line with the kubelet's time.
type LogLine struct {
	Time time.Time `json:"time,omitzero"`
	Text string    `json:"text"`
}

// Failure says why one part of the story is missing.
type Failure struct {
	Part    string `json:"part"`   // pod, events, log, previous-log
	Reason  string `json:"reason"` // one of the Reason* constants
	Message string `json:"message"`
}

// Reasons a part is missing: a closed set the UI can branch on.
const (
	ReasonPodGone          = "pod-gone"          // the pod no longer exists
	ReasonContainerGone    = "container-gone"    // the pod has no such container
	ReasonForbidden        = "forbidden"         // RBAC: the message names the grant
	ReasonNoPreviousLog    = "no-previous-log"   // restarted, but the runtime keeps no previous log
	ReasonContainerWaiting = "container-waiting" // not running (CrashLoopBackOff…): no current log
	ReasonTimeout          = "timeout"
	ReasonFailed           = "failed" // anything else; the message says what
)

// Collect reads the story. It never returns nil and never panics: a part that fails is
// a Failure, the rest is kept. ctx bounds the whole read.
func Collect(ctx context.Context, r kube.StoryReader, t Target, opts Options) (story *Story) {
	opts = opts.withDefaults()
	story = &Story{Namespace: t.Namespace, Pod: t.Pod, Container: t.Container, AlertStart: t.AlertStart, ReadAt: time.Now()}
	defer func() {
		if p := recover(); p != nil {
			story.fail("pod", ReasonFailed, fmt.Sprintf("internal error reading the pod's story: %v", p))
		}
	}()

	pod, err := r.PodObject(ctx, t.Namespace, t.Pod)
	if err != nil {
		story.failErr("pod", err)
	} else {
		story.fromPod(pod)
	}

	// Events are about the pod, so they are read even when the pod is gone: they outlive it.
	if list, err := r.PodEvents(ctx, t.Namespace, t.Pod, opts.MaxEvents); err != nil {
		story.failErr("events", err)
	} else {
		story.Events = eventsFrom(list.Items, story.PodUID)
	}

	if pod == nil || story.Container == "" || story.State == nil {
		return story
	}
	if story.State.State == "waiting" {
		story.fail("log", ReasonContainerWaiting, fmt.Sprintf("container %q is waiting (%s): it has no current log", story.Container, story.State.Reason))
	} else {
		since := t.AlertStart.Add(-opts.LogBefore)
		if t.AlertStart.IsZero() {
			since = time.Time{}
		}
		story.Log = story.readLog(ctx, r, kube.LogOptions{Container: story.Container, Since: since, Timestamps: true, LimitBytes: int64(opts.MaxLogBytes) * maxLogReadFactor}, opts, false)
		if story.Log != nil {
			story.Log.Since = since
		}
	}
	if story.RestartCount > 0 || story.LastState != nil {
		// The last words of the container that died: the tail of its log. The kubelet
		// applies limitBytes from the first line it sends, which would cut the end: ask
		// for lines only and keep the tail here, reading at most a bounded amount.
		story.PreviousLog = story.readLog(ctx, r, kube.LogOptions{Container: story.Container, Previous: true, Timestamps: true, TailLines: int64(opts.MaxLogLines) + 1}, opts, true) // one more line tells whether lines were left out
	}
	return story
}

func (s *Story) fail(part, reason, msg string) {
	s.Failures = append(s.Failures, Failure{Part: part, Reason: reason, Message: msg})
}

func (s *Story) failErr(part string, err error) {
	var fe *kube.ForbiddenError
	switch {
	case errors.As(err, &fe):
		s.fail(part, ReasonForbidden, fe.Error())
	case errors.Is(err, kube.ErrPodNotFound):
		s.fail(part, ReasonPodGone, fmt.Sprintf("pod %s/%s no longer exists (deleted or replaced): %v", s.Namespace, s.Pod, err))
	case errors.Is(err, kube.ErrContainerNotFound):
		s.fail(part, ReasonContainerGone, err.Error())
	case errors.Is(err, kube.ErrNoPreviousLog):
		s.fail(part, ReasonNoPreviousLog, fmt.Sprintf("container %q restarted but its previous log is no longer kept by the node (the runtime removed the old container)", s.Container))
	case errors.Is(err, context.DeadlineExceeded):
		s.fail(part, ReasonTimeout, "timed out: "+err.Error())
	default:
		s.fail(part, ReasonFailed, err.Error())
	}
}

func (s *Story) fromPod(pod *corev1.Pod) {
	s.PodUID = string(pod.UID)
	s.Node = pod.Spec.NodeName
	s.Phase = string(pod.Status.Phase)
	s.QOSClass = string(pod.Status.QOSClass)
	if s.QOSClass == "" {
		s.QOSClass = qosClass(pod)
	}
	name := s.Container
	if name == "" {
		name = pod.Annotations["kubectl.kubernetes.io/default-container"]
	}
	if name == "" && len(pod.Spec.Containers) == 1 {
		name = pod.Spec.Containers[0].Name
	}
	var spec *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			spec = &pod.Spec.Containers[i]
		}
	}
	if spec == nil {
		names := make([]string, len(pod.Spec.Containers))
		for i, c := range pod.Spec.Containers {
			names[i] = c.Name
		}
		s.fail("pod", ReasonContainerGone, fmt.Sprintf("pod %s/%s has no container %q (containers: %s)", s.Namespace, s.Pod, name, strings.Join(names, ", ")))
		s.Container = ""
		return
	}
	s.Container = name
	s.Requests = quantities(spec.Resources.Requests)
	s.Limits = quantities(spec.Resources.Limits)
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name != name {
			continue
		}
		s.RestartCount = cs.RestartCount
		s.State = stateFrom(cs.State)
		s.LastState = stateFrom(cs.LastTerminationState)
	}
	if s.State == nil {
		s.State = &ContainerState{State: "waiting", Reason: "NoStatus"}
	}
}

func quantities(rl corev1.ResourceList) map[string]string {
	if len(rl) == 0 {
		return nil
	}
	out := make(map[string]string, len(rl))
	for k, v := range rl {
		out[string(k)] = v.String()
	}
	return out
}

func stateFrom(st corev1.ContainerState) *ContainerState {
	switch {
	case st.Running != nil:
		return &ContainerState{State: "running", StartedAt: st.Running.StartedAt.Time}
	case st.Terminated != nil:
		code := st.Terminated.ExitCode
		return &ContainerState{State: "terminated", Reason: st.Terminated.Reason, Message: capText(st.Terminated.Message, 1024),
			ExitCode: &code, Signal: st.Terminated.Signal, StartedAt: st.Terminated.StartedAt.Time, FinishedAt: st.Terminated.FinishedAt.Time}
	case st.Waiting != nil:
		return &ContainerState{State: "waiting", Reason: st.Waiting.Reason, Message: capText(st.Waiting.Message, 1024)}
	}
	return nil
}

// qosClass derives the QoS class the way the API server does, for servers that leave
// status.qosClass empty: Guaranteed when every container's cpu and memory limits equal
// their requests, BestEffort when no container asks for anything, else Burstable.
func qosClass(pod *corev1.Pod) string {
	asks, all := false, true
	for _, c := range pod.Spec.Containers {
		if len(c.Resources.Requests) > 0 || len(c.Resources.Limits) > 0 {
			asks = true
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			l, okL := c.Resources.Limits[r]
			q, okR := c.Resources.Requests[r]
			if !okL || (okR && q.Cmp(l) != 0) {
				all = false
			}
		}
	}
	switch {
	case !asks:
		return string(corev1.PodQOSBestEffort)
	case all:
		return string(corev1.PodQOSGuaranteed)
	}
	return string(corev1.PodQOSBurstable)
}

func eventsFrom(items []corev1.Event, podUID string) []Event {
	out := make([]Event, 0, len(items))
	for _, e := range items {
		ev := Event{Type: e.Type, Reason: e.Reason, Message: capText(e.Message, 1024), Count: e.Count,
			FirstTime: e.FirstTimestamp.Time, LastTime: e.LastTimestamp.Time, Source: e.Source.Component,
			EarlierPod: podUID != "" && e.InvolvedObject.UID != "" && string(e.InvolvedObject.UID) != podUID}
		if ev.Source == "" {
			ev.Source = e.ReportingController
		}
		// events.k8s.io-style events carry eventTime and a series instead.
		if ev.LastTime.IsZero() {
			ev.LastTime = e.EventTime.Time
			if e.Series != nil {
				ev.LastTime = e.Series.LastObservedTime.Time
				ev.Count = e.Series.Count
			}
		}
		if ev.FirstTime.IsZero() {
			ev.FirstTime = e.EventTime.Time
		}
		if ev.Count == 0 {
			ev.Count = 1
		}
		out = append(out, ev)
	}
	slices.SortStableFunc(out, func(a, b Event) int { return a.LastTime.Compare(b.LastTime) })
	return out
}

// Reading a log stream stops after this many times MaxLogBytes (lines longer than
// MaxLineBytes are cut in memory but still cross the wire): the excerpt then says truncated.
const (
	maxLogReadFactor      = 4
	maxPreviousReadFactor = 64
)

func (s *Story) readLog(ctx context.Context, r kube.StoryReader, lo kube.LogOptions, opts Options, previous bool) *LogExcerpt {
	part := "log"
	if previous {
		part = "previous-log"
	}
	rc, err := r.ContainerLog(ctx, s.Namespace, s.Pod, lo)
	if err != nil {
		s.failErr(part, err)
		return nil
	}
	defer rc.Close()
	ex := &LogExcerpt{Previous: previous, Lines: []LogLine{}}
	limit := int64(opts.MaxLogBytes) * maxLogReadFactor
	if previous {
		limit = int64(opts.MaxLogBytes) * maxPreviousReadFactor
	}
	// Lines before the pivot form a sliding tail, lines from the pivot on a head: the
	// previous container's last words (pivot: never), or the lines around the alert's
	// start (half the lines before it, the rest after).
	pivot, beforeCap := s.AlertStart, opts.MaxLogLines/2
	if previous || pivot.IsZero() {
		pivot, beforeCap = time.Time{}, opts.MaxLogLines
	}
	lr := &io.LimitedReader{R: rc, N: limit + 1}
	br := bufio.NewReaderSize(lr, 32<<10)
	var before, after []LogLine
	for {
		raw, err := readBoundedLine(br, opts.MaxLineBytes)
		if raw != "" || err == nil {
			l := parseLogLine(raw, opts.MaxLineBytes)
			isBefore := pivot.IsZero() || (len(after) == 0 && (l.Time.IsZero() || l.Time.Before(pivot)))
			if isBefore {
				before = append(before, l)
				if len(before) > beforeCap {
					before, ex.Truncated = slices.Delete(before, 0, 1), true
				}
			} else if len(before)+len(after) < opts.MaxLogLines {
				after = append(after, l)
			} else {
				ex.Truncated = true
				break
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.failErr(part, fmt.Errorf("read %s: %w", part, err))
			}
			break
		}
	}
	if lr.N <= 0 {
		ex.Truncated = true
	}
	// Bytes: drop from the far ends, the side with more lines first.
	for sumBytes(before)+sumBytes(after) > opts.MaxLogBytes {
		ex.Truncated = true
		if len(before) >= len(after) && len(before) > 0 {
			before = before[1:]
		} else {
			after = after[:len(after)-1]
		}
	}
	ex.Lines = append(append(ex.Lines, before...), after...)
	return ex
}

func sumBytes(lines []LogLine) int {
	n := 0
	for _, l := range lines {
		n += len(l.Text) + 1
	}
	return n
}

// readBoundedLine reads one line, keeping at most max bytes of it (plus a marker when cut).
func readBoundedLine(br *bufio.Reader, limit int) (string, error) {
	var b strings.Builder
	cut := false
	for {
		frag, isPrefix, err := br.ReadLine()
		if b.Len() < limit+64 { // room for the timestamp prefix
			b.Write(frag)
		} else {
			cut = true
		}
		if err != nil {
			return b.String(), err
		}
		if !isPrefix {
			break
		}
	}
	s := b.String()
	if cut {
		s += " …[cut]"
	}
	return s, nil
}

// parseLogLine splits the kubelet's "2026-12-01T10:21:49.123456789Z text" prefix.
func parseLogLine(raw string, limit int) LogLine {
	if ts, text, ok := strings.Cut(raw, " "); ok {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			return LogLine{Time: t, Text: capText(text, limit)}
		}
	}
	return LogLine{Text: capText(raw, limit)}
}

// capText cuts s to at most limit bytes on a rune boundary and makes it valid UTF-8.
func capText(s string, limit int) string {
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
