package kubetest

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
)

// What a pod's story needs beyond pods and logs: a status a test can shape (restarts,
// last state OOMKilled, resources, QoS class), core/v1 events listed with the field
// selectors the API server supports for them, and the previous container's log
// (pods/log?previous=true).

// storyState holds events and previous logs; its own lock keeps it apart from Server.mu.
type storyState struct {
	mu       sync.Mutex
	events   []corev1.Event
	previous map[containerKey][]TimedLine
	seq      int
}

type containerKey struct{ namespace, pod, container string }

// TimedLine is one line of a previous container's log, with the time the kubelet would
// have stamped it.
type TimedLine struct {
	Time time.Time
	Text string // without the trailing newline
}

// UpdatePod changes a served pod in place (status, resources, QoS class…): mutate runs
// under the server's lock on the object later requests return. A missing pod fails the test.
func (s *Server) UpdatePod(namespace, name string, mutate func(*corev1.Pod)) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pods[podKey{namespace, name}]
	if p == nil {
		s.t.Fatalf("kubetest: UpdatePod: no pod %s/%s", namespace, name)
		return
	}
	mutate(p.obj)
}

// PodUID is the UID the server gave the pod (events' involvedObject.uid).
func PodUID(namespace, name string) types.UID {
	return types.UID(fmt.Sprintf("kubetest-%s-%s", namespace, name))
}

// AddEvent stores a core/v1 event. Empty name, namespace or resourceVersion are filled in.
// Events are listed in the namespace with list events (denied with Deny("list", "events", "")).
func (s *Server) AddEvent(ev corev1.Event) {
	s.story.mu.Lock()
	defer s.story.mu.Unlock()
	s.story.seq++
	if ev.Namespace == "" {
		ev.Namespace = ev.InvolvedObject.Namespace
	}
	if ev.Name == "" {
		ev.Name = fmt.Sprintf("%s.%d", ev.InvolvedObject.Name, s.story.seq)
	}
	ev.ResourceVersion = strconv.Itoa(s.story.seq)
	ev.TypeMeta = metav1.TypeMeta{Kind: "Event", APIVersion: "v1"}
	s.story.events = append(s.story.events, ev)
}

// SetPreviousLog makes pods/log?previous=true serve lines for the container, as the
// kubelet does after a restart. Without it, previous=true answers 400 like a container
// that never restarted.
func (s *Server) SetPreviousLog(namespace, pod, container string, lines []TimedLine) {
	s.story.mu.Lock()
	defer s.story.mu.Unlock()
	if s.story.previous == nil {
		s.story.previous = map[containerKey][]TimedLine{}
	}
	s.story.previous[containerKey{namespace, pod, container}] = append([]TimedLine(nil), lines...)
}

// previousLines returns the previous container's log, or the kubelet's 400 (through the
// API server) when there is none.
func (s *Server) previousLines(namespace, pod, container string) ([]logLine, *apierrors.StatusError) {
	s.story.mu.Lock()
	defer s.story.mu.Unlock()
	lines, ok := s.story.previous[containerKey{namespace, pod, container}]
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", container, pod))
	}
	out := make([]logLine, len(lines))
	for i, l := range lines {
		out[i] = logLine{ts: l.Time, data: []byte(l.Text + "\n")}
	}
	return out, nil
}

func (s *Server) handleStory(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/events", s.serveEvents)
}

// eventSelectorFields are the fields the API server accepts in an event field selector
// (the ones a pod's story uses; others answer 400 as a real server does for unknown ones).
var eventSelectorFields = map[string]func(*corev1.Event) string{
	"involvedObject.kind":      func(e *corev1.Event) string { return e.InvolvedObject.Kind },
	"involvedObject.name":      func(e *corev1.Event) string { return e.InvolvedObject.Name },
	"involvedObject.namespace": func(e *corev1.Event) string { return e.InvolvedObject.Namespace },
	"involvedObject.uid":       func(e *corev1.Event) string { return string(e.InvolvedObject.UID) },
	"reason":                   func(e *corev1.Event) string { return e.Reason },
	"type":                     func(e *corev1.Event) string { return e.Type },
}

// serveEvents lists core/v1 events in a namespace with fieldSelector and limit.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	ns := r.PathValue("ns")
	if s.isDenied("list", "events", "") {
		writeStatus(w, forbidden("list", "events", "", ns, ""))
		return
	}
	q := r.URL.Query()
	sel := fields.Everything()
	if v := q.Get("fieldSelector"); v != "" {
		parsed, err := fields.ParseSelector(v)
		if err != nil {
			writeStatus(w, apierrors.NewBadRequest(fmt.Sprintf("invalid field selector %q: %v", v, err)))
			return
		}
		for _, req := range parsed.Requirements() {
			if _, ok := eventSelectorFields[req.Field]; !ok {
				writeStatus(w, apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s", req.Field)))
				return
			}
		}
		sel = parsed
	}
	limit, serr := optionalInt(q.Get("limit"), "limit")
	if serr != nil {
		writeStatus(w, serr)
		return
	}
	s.story.mu.Lock()
	list := corev1.EventList{TypeMeta: metav1.TypeMeta{Kind: "EventList", APIVersion: "v1"}, ListMeta: metav1.ListMeta{ResourceVersion: strconv.Itoa(s.story.seq)}}
	for i := range s.story.events {
		ev := &s.story.events[i]
		if ev.Namespace != ns {
			continue
		}
		set := fields.Set{}
		for name, get := range eventSelectorFields {
			set[name] = get(ev)
		}
		if !sel.Matches(set) {
			continue
		}
		if limit > 0 && int64(len(list.Items)) == limit {
			list.Continue = "kubetest-more" // more exist; kubetest serves no further pages
			break
		}
		list.Items = append(list.Items, *ev.DeepCopy())
	}
	s.story.mu.Unlock()
	writeJSON(w, http.StatusOK, &list)
}

// ContainerOOMKilled shapes a served container's status: it restarted restarts times and
// its last run (started → finished) ended OOMKilled with exit code 137; it runs again
// since a second after finished. A missing container fails the test.
func (s *Server) ContainerOOMKilled(namespace, pod, container string, restarts int32, started, finished time.Time) {
	s.t.Helper()
	found := false
	s.UpdatePod(namespace, pod, func(p *corev1.Pod) {
		for i := range p.Status.ContainerStatuses {
			cs := &p.Status.ContainerStatuses[i]
			if cs.Name != container {
				continue
			}
			found = true
			cs.RestartCount = restarts
			cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 137, Reason: "OOMKilled",
				StartedAt: metav1.NewTime(started), FinishedAt: metav1.NewTime(finished),
				ContainerID: cs.ContainerID + "-previous",
			}}
			cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(finished.Add(time.Second))}}
		}
	})
	if !found {
		s.t.Fatalf("kubetest: ContainerOOMKilled: pod %s/%s has no container %q", namespace, pod, container)
	}
}

// SetPreviousLogMissing makes previous=true answer as for a container whose previous
// instance the runtime already removed, though its status says it restarted.
func (s *Server) SetPreviousLogMissing(namespace, pod, container string) {
	s.story.mu.Lock()
	defer s.story.mu.Unlock()
	delete(s.story.previous, containerKey{namespace, pod, container})
}
