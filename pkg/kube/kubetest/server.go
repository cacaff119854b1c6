// Package kubetest runs an in-process Kubernetes API server for tests. It
// speaks the real wire protocol client-go uses — pod JSON, metav1.Status
// errors, pods/log, pods/proxy and nodes/proxy (forwarded to PodSpec.IP or
// AddNode's URL), SelfSubjectAccessReview, /version and exec over both
// WebSocket (v4.channel.k8s.io) and SPDY, the latter two served by the
// kubelet's own streaming code from k8s.io/cri-streaming — so code under test
// uses a real client against it, not a mock.
//
// "Containers" are the test machine itself: an exec runs the command here with
// os/exec, resolved through and run with the container's Env (so PATH decides
// whether "sh" exists), and a container's log is a file on disk.
//
// Typical use from another package's test:
//
//	srv := kubetest.NewServer(t) // closed by t.Cleanup
//	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "api-0", Node: "n1",
//		Containers: []kubetest.ContainerSpec{{
//			Name:    "jvm",
//			Env:     []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(jvmPID)},
//			LogFile: jvmStdoutPath, // served by pods/log
//		}}})
//	client, err := kube.NewForConfig(srv.RESTConfig())
//
// A pod's story: UpdatePod shapes status and resources (ContainerOOMKilled for the
// common case), AddEvent serves core/v1 events (list with field selectors),
// SetPreviousLog serves pods/log?previous=true.
//
// Fault injection: Deny("create", "pods", "exec") (403 and a denying access
// review; Deny("get", "pods", "proxy") for the proxy), DeletePod (404),
// RejectWebSocket(true) (forces SPDY fallback),
// OnExec (observe, hold or fail execs; ExecStats counts them). The server
// offers WebSocket protocol v4 only (v5 exists only behind a real API
// server), which cannot signal the end of stdin: scripts sent on stdin must
// end with `exit`.
package kubetest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

// GitVersion is what the server's /version reports.
const GitVersion = "v1.36.1-kubetest"

// PodSpec describes a pod to serve. All its containers are reported running.
type PodSpec struct {
	Namespace  string
	Name       string
	Node       string
	Containers []ContainerSpec
	// IP is status.podIP: the address pods/proxy forwards to (loopback is
	// fine here; a real API server refuses it).
	IP string
	// Annotations are the pod's metadata.annotations.
	Annotations map[string]string
	// Labels and OwnerReferences are the pod's metadata.labels and ownerReferences.
	Labels          map[string]string
	OwnerReferences []metav1.OwnerReference
	// Created is metadata.creationTimestamp; zero means now.
	Created time.Time
}

// ContainerSpec describes a container and how commands "run in" it behave.
type ContainerSpec struct {
	Name string
	// Env is the complete environment of exec'd commands ("KEY=value"); the
	// test process's own environment is not inherited. Its PATH is the only
	// place a bare command name is looked up, so a container without a shell
	// is simply one whose PATH holds no sh.
	Env []string
	// LogFile, if set, is served by pods/log. The server tails it and stamps
	// each line with the time it first saw the line, like the kubelet stamps
	// container output, and answers sinceTime from those stamps.
	LogFile string
	// Ports are the container's declared ports (spec.containers[].ports).
	Ports []corev1.ContainerPort
}

// ExecEvent describes an exec request that reached a container.
type ExecEvent struct {
	Namespace string
	Pod       string
	Container string
	Command   []string
	// Transport is "websocket" or "spdy": how the client connected.
	Transport string
}

// ExecHook runs before an exec'd command starts. Returning an error fails the
// exec as a runtime error (an InternalError status, like a broken container
// runtime); blocking holds the exec, which lets a test observe how many execs
// are in flight. ctx ends when the client goes away.
type ExecHook func(ctx context.Context, ev ExecEvent) error

// Server is an in-process API server. Create it with NewServer; it is closed
// by t.Cleanup.
type Server struct {
	t    testing.TB
	http *httptest.Server

	// stop ends the log tailers.
	stop context.CancelFunc
	ctx  context.Context
	wg   sync.WaitGroup

	mu              sync.Mutex
	pods            map[podKey]*pod
	nodes           map[string]string // node name → kubelet base URL
	denied          map[access]bool
	rejectWebSocket bool
	execHook        ExecHook
	execsStarted    int
	execsActive     int
	execsMaxActive  int

	story storyState // events and previous logs (story.go)
}

type podKey struct{ namespace, name string }

type access struct{ verb, resource, subresource string }

type pod struct {
	obj        *corev1.Pod
	containers map[string]*container
}

type container struct {
	spec ContainerSpec
	log  *logTail // nil without LogFile
}

// NewServer starts a server that lives until the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	s := &Server{
		t:      t,
		ctx:    ctx,
		stop:   stop,
		pods:   map[podKey]*pod{},
		nodes:  map[string]string{},
		denied: map[access]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /version", s.serveVersion)
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods/{name}", s.servePod)
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods/{name}/log", s.serveLog)
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods/{name}/exec", s.serveExec)
	mux.HandleFunc("POST /api/v1/namespaces/{ns}/pods/{name}/exec", s.serveExec)
	mux.HandleFunc("POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews", s.serveAccessReview)
	s.handleProxy(mux)
	s.handleStory(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path))
	})

	srv := httptest.NewUnstartedServer(mux)
	// Hijacked (exec) connections outlive their request context; tracking
	// listener gives each connection a context that ends when the client
	// hangs up, so an exec is killed when its client goes away.
	srv.Listener = &trackingListener{Listener: srv.Listener}
	srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if tc, ok := c.(*trackedConn); ok {
			return context.WithValue(ctx, connKey{}, tc)
		}
		return ctx
	}
	srv.Start()
	s.http = srv
	t.Cleanup(s.close)
	return s
}

func (s *Server) close() {
	s.http.CloseClientConnections()
	s.http.Close()
	s.stop()
	s.wg.Wait()
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.http.URL }

// RESTConfig returns a client config for this server.
func (s *Server) RESTConfig() *rest.Config {
	return &rest.Config{
		Host:      s.http.URL,
		UserAgent: "kubetest-client",
		QPS:       -1, // no client-side throttling in tests
	}
}

// AddPod adds (or replaces) a pod. Invalid specs fail the test.
func (s *Server) AddPod(spec PodSpec) {
	s.t.Helper()
	if spec.Namespace == "" || spec.Name == "" || len(spec.Containers) == 0 {
		s.t.Fatalf("kubetest: AddPod needs a namespace, a name and at least one container: %+v", spec)
	}
	obj := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{
			Namespace:         spec.Namespace,
			Name:              spec.Name,
			UID:               types.UID(fmt.Sprintf("kubetest-%s-%s", spec.Namespace, spec.Name)),
			CreationTimestamp: metav1.Now(),
			Annotations:       spec.Annotations,
			Labels:            spec.Labels,
			OwnerReferences:   spec.OwnerReferences,
		},
		Spec:   corev1.PodSpec{NodeName: spec.Node},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: spec.IP},
	}
	if !spec.Created.IsZero() {
		obj.CreationTimestamp = metav1.NewTime(spec.Created)
	}
	p := &pod{obj: obj, containers: map[string]*container{}}
	for _, cs := range spec.Containers {
		if cs.Name == "" {
			s.t.Fatalf("kubetest: pod %s/%s has a container without a name", spec.Namespace, spec.Name)
		}
		if _, dup := p.containers[cs.Name]; dup {
			s.t.Fatalf("kubetest: pod %s/%s has two containers named %q", spec.Namespace, spec.Name, cs.Name)
		}
		obj.Spec.Containers = append(obj.Spec.Containers, corev1.Container{Name: cs.Name, Image: "kubetest/" + cs.Name + ":latest", Ports: cs.Ports})
		obj.Status.ContainerStatuses = append(obj.Status.ContainerStatuses, corev1.ContainerStatus{
			Name:        cs.Name,
			Image:       "kubetest/" + cs.Name + ":latest",
			Ready:       true,
			Started:     new(true),
			ContainerID: fmt.Sprintf("kubetest://%s/%s/%s", spec.Namespace, spec.Name, cs.Name),
			State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}},
		})
		c := &container{spec: cs}
		if cs.LogFile != "" {
			c.log = s.startTail(cs.LogFile)
		}
		p.containers[cs.Name] = c
	}
	s.mu.Lock()
	s.pods[podKey{spec.Namespace, spec.Name}] = p
	s.mu.Unlock()
}

// DeletePod removes a pod; later requests for it get 404.
func (s *Server) DeletePod(namespace, name string) {
	s.mu.Lock()
	delete(s.pods, podKey{namespace, name})
	s.mu.Unlock()
}

// Deny makes the server refuse verb on resource/subresource in every
// namespace, as RBAC would: requests get 403 with the API server's message
// and access reviews answer allowed=false. Exec is authorized as "create" on
// pods/exec, logs as "get" on pods/log, pod reads as "get" on pods.
func (s *Server) Deny(verb, resource, subresource string) {
	s.mu.Lock()
	s.denied[access{verb, resource, subresource}] = true
	s.mu.Unlock()
}

// RejectWebSocket makes exec refuse WebSocket upgrades with 400, like an API
// server or proxy without WebSocket support, so clients must fall back to SPDY.
func (s *Server) RejectWebSocket(reject bool) {
	s.mu.Lock()
	s.rejectWebSocket = reject
	s.mu.Unlock()
}

// OnExec installs a hook run before each exec'd command starts (nil removes it).
func (s *Server) OnExec(hook ExecHook) {
	s.mu.Lock()
	s.execHook = hook
	s.mu.Unlock()
}

// ExecStats reports how many execs reached a container, how many are running
// now and the most that ran at once.
func (s *Server) ExecStats() (started, active, maxActive int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.execsStarted, s.execsActive, s.execsMaxActive
}

func (s *Server) isDenied(verb, resource, subresource string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.denied[access{verb, resource, subresource}]
}

// forbidden builds the API server's RBAC refusal for the test user.
func forbidden(verb, resource, subresource, namespace, name string) *apierrors.StatusError {
	r := resource
	if subresource != "" {
		r += "/" + subresource
	}
	err := apierrors.NewForbidden(schema.GroupResource{Resource: r}, name,
		//nolint:staticcheck // ST1005: the API server's own wording, capital letter included
		fmt.Errorf("User %q cannot %s resource %q in API group \"\" in the namespace %q", testUser, verb, r, namespace))
	return err
}

const testUser = "system:serviceaccount:kubetest:stackcapture"

// lookup returns the pod, or writes the API server's 404 and returns nil.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *pod {
	ns, name := r.PathValue("ns"), r.PathValue("name")
	s.mu.Lock()
	p := s.pods[podKey{ns, name}]
	s.mu.Unlock()
	if p == nil {
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name))
	}
	return p
}

// container resolves the container query parameter the way the API server
// does: empty picks the only container.
func (p *pod) container(name string) (*container, *apierrors.StatusError) {
	if name == "" {
		if len(p.containers) == 1 {
			for _, c := range p.containers {
				return c, nil
			}
		}
		names := make([]string, 0, len(p.obj.Spec.Containers))
		for _, c := range p.obj.Spec.Containers {
			names = append(names, c.Name)
		}
		return nil, apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: [%s]", p.obj.Name, strings.Join(names, " ")))
	}
	c, ok := p.containers[name]
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, p.obj.Name))
	}
	return c, nil
}

func (s *Server) serveVersion(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, version.Info{
		Major: "1", Minor: "36", GitVersion: GitVersion, Platform: "linux/amd64",
	})
}

func (s *Server) servePod(w http.ResponseWriter, r *http.Request) {
	if s.isDenied("get", "pods", "") {
		writeStatus(w, forbidden("get", "pods", "", r.PathValue("ns"), r.PathValue("name")))
		return
	}
	p := s.lookup(w, r)
	if p == nil {
		return
	}
	writeJSON(w, http.StatusOK, p.obj)
}

func (s *Server) serveAccessReview(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeStatus(w, apierrors.NewBadRequest("read body: "+err.Error()))
		return
	}
	review := &authorizationv1.SelfSubjectAccessReview{}
	if _, _, err := scheme.Codecs.UniversalDeserializer().Decode(body, nil, review); err != nil {
		writeStatus(w, apierrors.NewBadRequest("decode SelfSubjectAccessReview: "+err.Error()))
		return
	}
	attrs := review.Spec.ResourceAttributes
	if attrs == nil {
		writeStatus(w, apierrors.NewBadRequest("kubetest only answers resourceAttributes reviews"))
		return
	}
	review.TypeMeta = metav1.TypeMeta{Kind: "SelfSubjectAccessReview", APIVersion: "authorization.k8s.io/v1"}
	if s.isDenied(attrs.Verb, attrs.Resource, attrs.Subresource) {
		// RBAC gives no reason when nothing grants the request.
		review.Status = authorizationv1.SubjectAccessReviewStatus{Allowed: false}
	} else {
		review.Status = authorizationv1.SubjectAccessReviewStatus{
			Allowed: true,
			Reason:  fmt.Sprintf("RBAC: allowed by ClusterRoleBinding \"kubetest\" of ClusterRole \"cluster-admin\" to User %q", testUser),
		}
	}
	writeJSON(w, http.StatusCreated, review)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "kubetest: encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// writeStatus writes err as the API server does: a metav1.Status body with
// the status's HTTP code.
func writeStatus(w http.ResponseWriter, err *apierrors.StatusError) {
	st := err.Status()
	st.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	writeJSON(w, int(st.Code), st)
}

// trackingListener wraps accepted connections in trackedConn.
type trackingListener struct{ net.Listener }

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &trackedConn{Conn: c, ctx: ctx, cancel: cancel}, nil
}

type connKey struct{}

// trackedConn's ctx ends when a read fails (the client hung up) or the
// connection is closed.
type trackedConn struct {
	net.Conn
	ctx    context.Context
	cancel context.CancelFunc
}

func (c *trackedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil && !isTimeout(err) {
		c.cancel()
	}
	return n, err
}

func (c *trackedConn) Close() error {
	c.cancel()
	return c.Conn.Close()
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// connContext returns a context that ends when r's request context ends or
// its connection dies, whichever comes first.
func connContext(r *http.Request) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(r.Context())
	tc, ok := r.Context().Value(connKey{}).(*trackedConn)
	if !ok {
		return ctx, cancel
	}
	stop := context.AfterFunc(tc.ctx, cancel)
	return ctx, func() { stop(); cancel() }
}

// idle timeouts for streaming; generous so slow test machines don't trip them.
const (
	streamIdleTimeout     = 5 * time.Minute
	streamCreationTimeout = 30 * time.Second
)
