package podstory

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
)

const (
	ns   = "search"
	pod  = "es-0"
	cont = "elasticsearch"
)

// world is an Elasticsearch pod that was OOM-killed and restarted four times, with its
// events and the previous container's log, served by kubetest to a real client-go client.
type world struct {
	srv        *kubetest.Server
	client     *kube.Client
	alertStart time.Time
	oomAt      time.Time
	logPath    string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{srv: kubetest.NewServer(t), logPath: filepath.Join(t.TempDir(), "es.log")}
	w.oomAt = time.Now().Add(-3 * time.Minute).Truncate(time.Second)
	w.alertStart = time.Now().Add(-time.Minute).Truncate(time.Second)
	if err := os.WriteFile(w.logPath, []byte("[gc] heap 1.9g/2g\n[warn] circuit breaker near limit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.srv.AddPod(kubetest.PodSpec{Namespace: ns, Name: pod, Node: "worker-2",
		Containers: []kubetest.ContainerSpec{{Name: cont, LogFile: w.logPath}, {Name: "exporter"}}})
	w.srv.UpdatePod(ns, pod, func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources = corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("2Gi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("2Gi")},
		}
	})
	w.srv.ContainerOOMKilled(ns, pod, cont, 4, w.oomAt.Add(-10*time.Minute), w.oomAt)
	uid := kubetest.PodUID(ns, pod)
	ref := corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: pod, UID: uid}
	w.srv.AddEvent(corev1.Event{InvolvedObject: ref, Type: "Warning", Reason: "BackOff", Message: "Back-off restarting failed container elasticsearch",
		Count: 4, FirstTimestamp: metav1.NewTime(w.oomAt.Add(-40 * time.Minute)), LastTimestamp: metav1.NewTime(w.oomAt.Add(2 * time.Second)), Source: corev1.EventSource{Component: "kubelet"}})
	w.srv.AddEvent(corev1.Event{InvolvedObject: ref, Type: "Normal", Reason: "Pulled", Message: "Container image already present on machine",
		Count: 5, FirstTimestamp: metav1.NewTime(w.oomAt.Add(-50 * time.Minute)), LastTimestamp: metav1.NewTime(w.oomAt.Add(time.Second)), Source: corev1.EventSource{Component: "kubelet"}})
	// Not this pod's: another pod, and an earlier pod of the same name.
	w.srv.AddEvent(corev1.Event{InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: "es-1"}, Type: "Warning", Reason: "BackOff", Message: "other pod",
		LastTimestamp: metav1.NewTime(w.oomAt)})
	w.srv.AddEvent(corev1.Event{InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: pod, UID: "old-uid"}, Type: "Normal", Reason: "Killing", Message: "Stopping container elasticsearch",
		Count: 1, LastTimestamp: metav1.NewTime(w.oomAt.Add(-2 * time.Hour))})
	var prev []kubetest.TimedLine
	for i := 0; i < 500; i++ {
		prev = append(prev, kubetest.TimedLine{Time: w.oomAt.Add(time.Duration(i-500) * 100 * time.Millisecond), Text: fmt.Sprintf("[info] indexing batch %d", i)})
	}
	prev = append(prev, kubetest.TimedLine{Time: w.oomAt.Add(-time.Second), Text: "[error] java.lang.OutOfMemoryError: Java heap space"})
	w.srv.SetPreviousLog(ns, pod, cont, prev)
	c, err := kube.NewForConfig(w.srv.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	w.client = c
	return w
}

func (w *world) collect(t *testing.T, container string, opts Options) *Story {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := Collect(ctx, w.client, Target{Namespace: ns, Pod: pod, Container: container, AlertStart: w.alertStart}, opts)
	if s == nil {
		t.Fatal("Collect returned nil")
	}
	if _, err := json.Marshal(s); err != nil {
		t.Fatalf("story does not encode: %v", err)
	}
	return s
}

func TestCollectOOMKilledStory(t *testing.T) {
	w := newWorld(t)
	s := w.collect(t, cont, Options{MaxLogLines: 100})
	if len(s.Failures) != 0 {
		t.Fatalf("failures: %+v", s.Failures)
	}
	if s.RestartCount != 4 || s.QOSClass != "Burstable" || s.Limits["memory"] != "2Gi" || s.Requests["cpu"] != "1" || s.Node != "worker-2" {
		t.Errorf("story %+v", s)
	}
	ls := s.LastState
	if ls == nil || ls.State != "terminated" || ls.Reason != "OOMKilled" || ls.ExitCode == nil || *ls.ExitCode != 137 || !ls.FinishedAt.Equal(w.oomAt) {
		t.Errorf("last state %+v, want terminated OOMKilled 137 at %v", ls, w.oomAt)
	}
	if s.State == nil || s.State.State != "running" {
		t.Errorf("state %+v", s.State)
	}
	// This pod's two events plus the earlier pod's (flagged), in time order; not es-1's.
	if len(s.Events) != 3 || !s.Events[0].EarlierPod || s.Events[1].Reason != "Pulled" || s.Events[2].Reason != "BackOff" || s.Events[2].Count != 4 || s.Events[2].Source != "kubelet" {
		t.Errorf("events %+v", s.Events)
	}
	if s.Log == nil || len(s.Log.Lines) != 2 || s.Log.Lines[1].Text != "[warn] circuit breaker near limit" || s.Log.Lines[0].Time.IsZero() {
		t.Errorf("log %+v", s.Log)
	}
	pl := s.PreviousLog
	if pl == nil || !pl.Previous || len(pl.Lines) != 100 || !pl.Truncated {
		t.Fatalf("previous log %+v", pl)
	}
	if last := pl.Lines[len(pl.Lines)-1]; last.Text != "[error] java.lang.OutOfMemoryError: Java heap space" || !last.Time.Equal(w.oomAt.Add(-time.Second)) {
		t.Errorf("last words %+v", last)
	}

	tl := Timeline(s, time.Now())
	var kinds []string
	for i, m := range tl {
		kinds = append(kinds, m.Kind)
		if i > 0 && m.Time.Before(tl[i-1].Time) {
			t.Errorf("timeline out of order at %d: %+v after %+v", i, m, tl[i-1])
		}
	}
	want := "event terminated started event event alert capture"
	if strings.Join(kinds, " ") != want {
		t.Errorf("timeline kinds %q, want %q\n%+v", strings.Join(kinds, " "), want, tl)
	}
	for _, m := range tl {
		if m.Kind == "terminated" && (!m.Warning || !strings.Contains(m.Text, "OOMKilled, exit code 137")) {
			t.Errorf("termination moment %+v", m)
		}
		if m.Kind == "started" && !strings.Contains(m.Text, "restart 4") {
			t.Errorf("start moment %+v", m)
		}
	}
}

func TestCollectFailuresKeepTheRest(t *testing.T) {
	tests := []struct {
		name      string
		container string
		setup     func(w *world)
		ctx       func() (context.Context, context.CancelFunc)
		part      string
		reason    string
		inMessage string
		check     func(t *testing.T, s *Story)
	}{
		{name: "events forbidden", setup: func(w *world) { w.srv.Deny("list", "events", "") },
			part: "events", reason: ReasonForbidden, inMessage: `grant "list" on "events"`,
			check: func(t *testing.T, s *Story) {
				if s.LastState == nil || s.PreviousLog == nil || s.Log == nil || s.Events != nil {
					t.Errorf("rest not kept: %+v", s)
				}
			}},
		{name: "no previous log", setup: func(w *world) { w.srv.SetPreviousLogMissing(ns, pod, cont) },
			part: "previous-log", reason: ReasonNoPreviousLog, inMessage: "previous log",
			check: func(t *testing.T, s *Story) {
				if s.Log == nil || len(s.Events) == 0 || s.PreviousLog != nil {
					t.Errorf("rest not kept: %+v", s)
				}
			}},
		{name: "logs forbidden", setup: func(w *world) { w.srv.Deny("get", "pods", "log") },
			part: "previous-log", reason: ReasonForbidden, inMessage: `grant "get" on "pods/log"`,
			check: func(t *testing.T, s *Story) {
				if !hasFailure(s, "log", ReasonForbidden) || s.LastState == nil || len(s.Events) == 0 {
					t.Errorf("story %+v", s)
				}
			}},
		{name: "pod gone", setup: func(w *world) { w.srv.DeletePod(ns, pod) },
			part: "pod", reason: ReasonPodGone, inMessage: "no longer exists",
			check: func(t *testing.T, s *Story) {
				if len(s.Events) != 3 || s.Log != nil || s.PreviousLog != nil {
					t.Errorf("events outlive the pod: %+v", s)
				}
			}},
		{name: "container gone", container: "sidecar",
			part: "pod", reason: ReasonContainerGone, inMessage: "elasticsearch, exporter",
			check: func(t *testing.T, s *Story) {
				if len(s.Events) != 3 || s.Log != nil {
					t.Errorf("story %+v", s)
				}
			}},
		{name: "container waiting", setup: func(w *world) {
			w.srv.UpdatePod(ns, pod, func(p *corev1.Pod) {
				p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
			})
		},
			part: "log", reason: ReasonContainerWaiting, inMessage: "CrashLoopBackOff",
			check: func(t *testing.T, s *Story) {
				if s.PreviousLog == nil || len(s.PreviousLog.Lines) == 0 {
					t.Errorf("the dead container's last words must still be read: %+v", s.PreviousLog)
				}
			}},
		{name: "timeout", ctx: func() (context.Context, context.CancelFunc) {
			return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		}, part: "pod", reason: ReasonTimeout, inMessage: "deadline"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			if tc.setup != nil {
				tc.setup(w)
			}
			container := cont
			if tc.container != "" {
				container = tc.container
			}
			var s *Story
			if tc.ctx != nil {
				ctx, cancel := tc.ctx()
				defer cancel()
				s = Collect(ctx, w.client, Target{Namespace: ns, Pod: pod, Container: container, AlertStart: w.alertStart}, Options{})
			} else {
				s = w.collect(t, container, Options{})
			}
			found := false
			for _, f := range s.Failures {
				if f.Part == tc.part && f.Reason == tc.reason {
					found = true
					if !strings.Contains(f.Message, tc.inMessage) {
						t.Errorf("message %q lacks %q", f.Message, tc.inMessage)
					}
				}
			}
			if !found {
				t.Fatalf("failures %+v, want %s on %s", s.Failures, tc.reason, tc.part)
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

func hasFailure(s *Story, part, reason string) bool {
	for _, f := range s.Failures {
		if f.Part == part && f.Reason == reason {
			return true
		}
	}
	return false
}

func TestPreviousLogBounds(t *testing.T) {
	w := newWorld(t)
	huge := strings.Repeat("x", 1<<20)
	var lines []kubetest.TimedLine
	for i := 0; i < 10; i++ {
		lines = append(lines, kubetest.TimedLine{Time: w.oomAt, Text: huge})
	}
	lines = append(lines, kubetest.TimedLine{Time: w.oomAt, Text: "last words ✓"})
	w.srv.SetPreviousLog(ns, pod, cont, lines)
	s := w.collect(t, cont, Options{MaxLogBytes: 8 << 10, MaxLineBytes: 1 << 10})
	pl := s.PreviousLog
	if pl == nil || !pl.Truncated || sumBytes(pl.Lines) > 8<<10 {
		t.Fatalf("previous log %d bytes, truncated %v", sumBytes(pl.Lines), pl != nil && pl.Truncated)
	}
	for _, l := range pl.Lines[:len(pl.Lines)-1] {
		if len(l.Text) > 1<<10+len("…") {
			t.Errorf("line of %d bytes kept", len(l.Text))
		}
	}
}

func TestQOSClass(t *testing.T) {
	rl := func(cpu, mem string) corev1.ResourceList {
		out := corev1.ResourceList{}
		if cpu != "" {
			out[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if mem != "" {
			out[corev1.ResourceMemory] = resource.MustParse(mem)
		}
		return out
	}
	tests := []struct {
		req, lim corev1.ResourceList
		want     string
	}{
		{nil, nil, "BestEffort"},
		{rl("1", "1Gi"), rl("1", "1Gi"), "Guaranteed"},
		{nil, rl("1", "1Gi"), "Guaranteed"},
		{rl("500m", "1Gi"), rl("1", "1Gi"), "Burstable"},
		{rl("", "1Gi"), nil, "Burstable"},
	}
	for _, tc := range tests {
		p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: tc.req, Limits: tc.lim}}}}}
		if got := qosClass(p); got != tc.want {
			t.Errorf("requests %v limits %v: %s, want %s", tc.req, tc.lim, got, tc.want)
		}
	}
}

// TestLogAroundAlertStart: a busy log keeps the last lines before the alert's start and
// the first after it, not the oldest lines of the window.
func TestLogAroundAlertStart(t *testing.T) {
	w := newWorld(t)
	var b strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "before-%d\n", i)
	}
	appendFile(t, w.logPath, b.String())
	// kubetest stamps a line when it first sees it; a read makes it look now, so every
	// "before" line is stamped before the alert's start, whatever the machine's load.
	rc, err := w.client.ContainerLog(context.Background(), ns, pod, kube.LogOptions{Container: cont, TailLines: 1})
	if err != nil {
		t.Fatal(err)
	}
	_ = rc.Close()
	time.Sleep(100 * time.Millisecond)
	w.alertStart = time.Now()
	time.Sleep(100 * time.Millisecond)
	b.Reset()
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "after-%d\n", i)
	}
	appendFile(t, w.logPath, b.String())
	s := w.collect(t, cont, Options{MaxLogLines: 100, LogBefore: time.Hour})
	if s.Log == nil || len(s.Log.Lines) != 100 || !s.Log.Truncated {
		t.Fatalf("log %+v", s.Log)
	}
	if first, last := s.Log.Lines[0].Text, s.Log.Lines[49].Text; first != "before-250" || last != "before-299" {
		t.Errorf("before the alert: %q … %q, want before-250 … before-299", first, last)
	}
	if first, last := s.Log.Lines[50].Text, s.Log.Lines[99].Text; first != "after-0" || last != "after-49" {
		t.Errorf("after the alert: %q … %q, want after-0 … after-49", first, last)
	}
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
