package plugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/capture"
	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/store"
)

// Grafana org roles, weakest first.
var roleRank = map[string]int{"Viewer": 1, "Editor": 2, "Admin": 3}

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhook", a.require("Editor", a.handleWebhook))
	mux.HandleFunc("POST /captures", a.require("Editor", a.handleCaptureNow))
	mux.HandleFunc("GET /captures", a.require("Viewer", a.handleList))
	mux.HandleFunc("GET /captures/{id}", a.require("Viewer", a.handleGet))
	mux.HandleFunc("GET /captures/{id}/raw", a.require("Viewer", a.handleRaw))
	mux.HandleFunc("GET /captures/{id}/evidence/{evidenceId}/raw", a.require("Viewer", a.handleEvidenceRaw))
	mux.HandleFunc("GET /clusters", a.require("Viewer", a.handleClusters))
	mux.HandleFunc("GET /workloads/hot-frames", a.require("Viewer", a.handleHotFrames))
	mux.HandleFunc("GET /captures/{id}/previous", a.require("Viewer", a.handlePrevious))
	mux.HandleFunc("GET /captures/compare", a.require("Viewer", a.handleCompare))
	return a.recoverPanics(mux)
}

// recoverPanics turns a panic into a 500: under Grafana a panic restarts the plugin, which
// looks like an outage and loses every capture in flight.
func (a *App) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				a.log.Error("resource handler panicked", "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// require lets the call through when Grafana says the caller has at least the role.
// Grafana authenticates the call (a session, or the contact point's service-account token)
// and passes the caller in the plugin context; the Authorization header never reaches us.
func (a *App) require(role string, next func(http.ResponseWriter, *http.Request, *backend.User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user := backend.PluginConfigFromContext(r.Context()).User
		if user == nil {
			http.Error(w, errNoUser.Error()+": call this through Grafana's /api/plugins/"+PluginID+"/resources", http.StatusUnauthorized)
			return
		}
		if roleRank[user.Role] < roleRank[role] {
			http.Error(w, fmt.Sprintf("%s %s needs the %s role or above; %q has %s", r.Method, r.URL.Path, role, user.Login, orNone(user.Role)), http.StatusForbidden)
			return
		}
		if orgOf(r) < 1 {
			http.Error(w, "no Grafana org in the request: call this through Grafana's /api/plugins/"+PluginID+"/resources", http.StatusUnauthorized)
			return
		}
		if a.serviceUnavailable(w) {
			return
		}
		a.rt.orgSettings(orgOf(r), a.settings, a.saved)
		next(w, r, user)
	}
}

func orNone(s string) string {
	if s == "" {
		return "no role"
	}
	return s
}

// readBody reads at most the configured body size; larger bodies answer 413.
func (a *App) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.settings.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		http.Error(w, fmt.Sprintf("body larger than %d bytes (maxBodyBytes)", a.settings.MaxBodyBytes), http.StatusRequestEntityTooLarge)
		return nil, false
	case err != nil:
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return body, true
}

func (a *App) handleWebhook(w http.ResponseWriter, r *http.Request, user *backend.User) {
	body, ok := a.readBody(w, r)
	if !ok {
		return
	}
	hook, err := alert.Decode(body)
	if err != nil {
		http.Error(w, "not a Grafana webhook: "+err.Error(), http.StatusBadRequest)
		return
	}
	targets, skipped := alert.Targets(hook, a.settings.Labels)
	org := orgOf(r)
	reqs := make([]clusterRequest, 0, len(targets)+len(skipped))
	for _, t := range targets {
		if t.Focus == "" {
			t.Focus = a.settings.DefaultCapture
		}
		req := capture.Request{OrgID: org, Target: t, Trigger: store.TriggerAlert, RequestedBy: user.Login}
		cl, reason := a.pickCluster(targetLabels(t))
		switch {
		case reason != "":
		case t.Pod == "": // a node alert: the node's kubelet, not a workload of a namespace
			reason = a.kubeletReason(t.Node)
		default:
			reason = a.namespaceReason(cl, t.Namespace)
		}
		req.SkipReason = reason
		reqs = append(reqs, clusterRequest{cluster: cl, req: req})
	}
	var notRecorded []alert.Skipped
	for _, s := range skipped {
		if !s.Record {
			notRecorded = append(notRecorded, s)
			continue
		}
		var labels map[string]string
		if s.Alert != nil {
			labels = s.Alert.Labels
		}
		cl, _ := a.pickCluster(labels)
		reqs = append(reqs, clusterRequest{cluster: cl, req: capture.Request{
			OrgID:       org,
			Target:      alert.Target{Namespace: s.Namespace, Pod: s.Pod, Container: s.Container, Alert: s.Alert},
			Trigger:     store.TriggerAlert,
			RequestedBy: user.Login,
			SkipReason:  s.Reason,
		}})
	}
	a.submit(w, r, reqs, notRecorded)
}

// kubeletReason is why a node alert is not captured, or "": reading the kubelet's profiles
// needs the server admin's opt-in, since nodes/proxy is a powerful grant.
func (a *App) kubeletReason(node string) string {
	if a.rt.cfg.AllowKubeletPprof {
		return ""
	}
	return fmt.Sprintf("node alert (node %s, no pod): the kubelet's CPU profile and goroutines are taken only when the server admin sets "+
		"allow_kubelet_pprof = true in [plugin.%s] and grants get on nodes/proxy (deploy/kubernetes/kubelet-pprof.yaml), a powerful grant", node, PluginID)
}

// clusterRequest is a capture request and the cluster it goes to; nil when none fits (then
// the request carries the reason as its SkipReason).
type clusterRequest struct {
	cluster *cluster
	req     capture.Request
}

// captureNowRequest is the body of POST /captures.
type captureNowRequest struct {
	Cluster   string `json:"cluster"`
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Container string `json:"container"`
	// Focus is "cpu", "memory" or "all"; empty takes the org's defaultCapture.
	Focus string `json:"focus"`
}

func (a *App) handleCaptureNow(w http.ResponseWriter, r *http.Request, user *backend.User) {
	body, ok := a.readBody(w, r)
	if !ok {
		return
	}
	var req captureNowRequest
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		http.Error(w, `body must be {"cluster": "..." (optional with one cluster), "namespace": "...", "pod": "...", "container": "..." (optional), "focus": "cpu|memory|all" (optional)}: `+err.Error(), http.StatusBadRequest)
		return
	}
	focus := a.settings.DefaultCapture
	if strings.TrimSpace(req.Focus) != "" {
		f, err := evidence.ParseFocus(req.Focus)
		if err != nil {
			http.Error(w, fmt.Sprintf("focus %s: use one of %s, or leave it out for the app's defaultCapture", alert.QuoteBounded(req.Focus), focusNames()), http.StatusBadRequest)
			return
		}
		focus = f
	}
	if req.Namespace == "" || req.Pod == "" {
		http.Error(w, "namespace and pod are required", http.StatusBadRequest)
		return
	}
	if err := alert.ValidateNames(req.Namespace, req.Pod, req.Container); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	labels := map[string]string{}
	if req.Cluster != "" {
		labels[a.settings.ClusterLabel] = req.Cluster
	} else if allowed := a.orgClusters(); len(allowed) == 1 {
		labels[a.settings.ClusterLabel] = allowed[0].cfg.Name
	}
	cl, reason := a.pickCluster(labels)
	if reason != "" {
		http.Error(w, "cluster: "+reason, http.StatusBadRequest)
		return
	}
	a.submit(w, r, []clusterRequest{{cluster: cl, req: capture.Request{
		OrgID:       orgOf(r),
		Target:      alert.Target{Namespace: req.Namespace, Pod: req.Pod, Container: req.Container, Focus: focus},
		Trigger:     store.TriggerManual,
		RequestedBy: user.Login,
		SkipReason:  a.namespaceReason(cl, req.Namespace),
	}}}, nil)
}

// submit hands requests to the capture manager of their cluster (and org settings) and
// answers 202 with what was accepted and skipped. Requests without a cluster are recorded
// as skipped with their reason.
func (a *App) submit(w http.ResponseWriter, r *http.Request, reqs []clusterRequest, skipped []alert.Skipped) {
	resp := SubmitResponse{Accepted: []AcceptedCapture{}, Skipped: []alert.Skipped{}}
	byManager := map[*capture.Manager][]capture.Request{}
	var order []*capture.Manager
	var orphans []capture.Request
	for _, cr := range reqs {
		if cr.cluster == nil {
			orphans = append(orphans, cr.req)
			continue
		}
		m := a.rt.manager(r.Context(), cr.cluster, a.settings)
		if _, ok := byManager[m]; !ok {
			order = append(order, m)
		}
		byManager[m] = append(byManager[m], cr.req)
	}
	for _, m := range order {
		res, err := m.Submit(r.Context(), byManager[m])
		if err != nil {
			a.log.Error("record capture requests", "error", err)
			http.Error(w, "could not record the capture requests: "+err.Error(), http.StatusInternalServerError)
			return
		}
		for _, acc := range res.Accepted {
			resp.Accepted = append(resp.Accepted, AcceptedCapture{ID: acc.ID, Cluster: m.Cluster(), Namespace: acc.Namespace, Pod: acc.Pod, Container: acc.Container})
		}
		resp.Skipped = append(resp.Skipped, res.Skipped...)
	}
	if len(orphans) > 0 {
		s, err := a.recordSkips(r, orphans)
		if err != nil {
			a.log.Error("record capture requests", "error", err)
			http.Error(w, "could not record the capture requests: "+err.Error(), http.StatusInternalServerError)
			return
		}
		resp.Skipped = append(resp.Skipped, s...)
	}
	resp.Skipped = append(resp.Skipped, skipped...)
	writeJSON(w, http.StatusAccepted, resp)
}

// recordSkips stores requests that reach no cluster as skipped, with their reasons.
func (a *App) recordSkips(r *http.Request, reqs []capture.Request) ([]alert.Skipped, error) {
	now := time.Now().UTC()
	records := make([]*store.Capture, len(reqs))
	out := make([]alert.Skipped, len(reqs))
	for i, q := range reqs {
		t := q.Target
		records[i] = &store.Capture{OrgID: q.OrgID, Status: store.StatusSkipped, Trigger: q.Trigger, RequestedBy: q.RequestedBy,
			Namespace: t.Namespace, Pod: t.Pod, Container: t.Container, Node: t.Node, CreatedAt: now, FinishedAt: now,
			Error: q.SkipReason, Alert: t.Alert, Focus: t.Focus}
		out[i] = alert.Skipped{Namespace: t.Namespace, Pod: t.Pod, Container: t.Container, Reason: q.SkipReason}
		if t.Alert != nil {
			out[i].AlertName = t.Alert.AlertName
		}
	}
	if _, err := a.rt.store.InsertBatch(r.Context(), records); err != nil {
		return nil, fmt.Errorf("record %d skipped captures: %w", len(records), err)
	}
	return out, nil
}

// ClustersResponse answers GET /clusters: the clusters this org may capture in.
type ClustersResponse struct {
	Clusters []ClusterInfo `json:"clusters"`
}

// ClusterInfo is one cluster of GET /clusters.
type ClusterInfo struct {
	Name string `json:"name"`
	// Namespaces this org may capture in; null with allNamespaces for every namespace.
	Namespaces    []string `json:"namespaces"`
	AllNamespaces bool     `json:"allNamespaces"`
}

func (a *App) handleClusters(w http.ResponseWriter, _ *http.Request, _ *backend.User) {
	resp := ClustersResponse{Clusters: []ClusterInfo{}}
	for _, cl := range a.orgClusters() {
		ns, all := a.permittedNamespaces(cl)
		if !all && ns == nil {
			ns = []string{}
		}
		resp.Clusters = append(resp.Clusters, ClusterInfo{Name: cl.cfg.Name, Namespaces: ns, AllNamespaces: all})
	}
	writeJSON(w, http.StatusOK, resp)
}

func (a *App) handleList(w http.ResponseWriter, r *http.Request, _ *backend.User) {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.OrgID = orgOf(r) // whatever the query says: an org sees its own captures only
	page, err := a.rt.store.List(r.Context(), f)
	if errors.Is(err, store.ErrBadCursor) {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err != nil {
		a.log.Error("list captures", "error", err)
		http.Error(w, "list captures: "+err.Error(), http.StatusInternalServerError)
		return
	}
	resp := ListResponse{Captures: make([]CaptureSummary, 0, len(page.Captures)), NextCursor: page.Next}
	for i := range page.Captures {
		resp.Captures = append(resp.Captures, summaryOf(&page.Captures[i]))
	}
	writeJSON(w, http.StatusOK, resp)
}

// parseFilter reads the list's query parameters; a malformed one is an error naming it.
func parseFilter(q url.Values) (store.Filter, error) {
	f := store.Filter{
		Namespace:    q.Get("namespace"),
		Pod:          q.Get("pod"),
		Container:    q.Get("container"),
		Node:         q.Get("node"),
		Cluster:      q.Get("cluster"),
		DashboardUID: q.Get("dashboardUid"),
		Cursor:       q.Get("cursor"),
		Limit:        50,
	}
	if s := q.Get("status"); s != "" {
		f.Status = store.Status(s)
		if !f.Status.Valid() {
			return f, fmt.Errorf("status %q: want queued, running, done, failed or skipped", s)
		}
	}
	epoch := func(key string) (time.Time, error) {
		v := q.Get(key)
		if v == "" {
			return time.Time{}, nil
		}
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms < 0 {
			return time.Time{}, fmt.Errorf("%s %q: want epoch milliseconds", key, v)
		}
		return time.UnixMilli(ms).UTC(), nil
	}
	var err error
	if f.From, err = epoch("from"); err != nil {
		return f, err
	}
	if f.To, err = epoch("to"); err != nil {
		return f, err
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return f, fmt.Errorf("limit %q: want 1 to 500", v)
		}
		f.Limit = n
	}
	if v := q.Get("panelId"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, fmt.Errorf("panelId %q: want a panel id", v)
		}
		f.PanelID = n
	}
	return f, nil
}

func parseID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		http.Error(w, fmt.Sprintf("capture id %q: want a positive number", r.PathValue("id")), http.StatusBadRequest)
		return 0, false
	}
	return id, true
}

func (a *App) handleGet(w http.ResponseWriter, r *http.Request, _ *backend.User) {
	id, ok := parseID(w, r)
	if !ok {
		return
	}
	c, err := a.rt.store.GetInOrg(r.Context(), orgOf(r), id)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, fmt.Sprintf("capture %d not found (deleted by retention, or never existed)", id), http.StatusNotFound)
		return
	}
	if err != nil {
		a.log.Error("get capture", "id", id, "error", err)
		http.Error(w, "get capture: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, detailOf(c))
}

// rawFlushBytes is how much of a raw download is gathered before it is handed to Grafana:
// the SDK's response writer keeps everything written until a flush.
const rawFlushBytes = 256 << 10

// handleRaw streams the capture's raw thread dumps: each is decompressed as it is sent, in
// pieces of rawFlushBytes, so a download never holds a whole dump (any Viewer may start many).
func (a *App) handleRaw(w http.ResponseWriter, r *http.Request, _ *backend.User) {
	id, ok := parseID(w, r)
	if !ok {
		return
	}
	// The org check comes first and covers the dumps: a capture's org never changes.
	c, err := a.rt.store.GetSummaryInOrg(r.Context(), orgOf(r), id)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, fmt.Sprintf("capture %d not found", id), http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, "get capture: "+err.Error(), http.StatusInternalServerError)
		return
	}
	out := newFlushingWriter(w, rawFlushBytes)
	n, err := a.rt.store.StreamRawDumps(r.Context(), id, func(d store.RawDumpInfo, text io.Reader) error {
		if out.written == 0 {
			name := fmt.Sprintf("stackcapture-%d-%s-%s.txt", id, c.Pod, c.CreatedAt.UTC().Format("20060102T150405Z"))
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
			w.WriteHeader(http.StatusOK)
		} else if _, err := io.WriteString(out, "\n"); err != nil {
			return err
		}
		if _, err := fmt.Fprintf(out, "# Stack Capture %d: %s/%s container %s, JVM pid %d\n", id, c.Namespace, c.Pod, d.Container, d.PID); err != nil {
			return err
		}
		_, err := io.Copy(out, text)
		return err
	})
	switch {
	case err != nil && out.written == 0:
		http.Error(w, "read raw dumps: "+err.Error(), http.StatusInternalServerError)
		return
	case err != nil:
		// The status is sent: say in the body that it is cut, rather than end it silently.
		a.log.Error("stream raw dumps", "id", id, "error", err)
		_, _ = fmt.Fprintf(out, "\n# Stack Capture %d: the raw dump could not be read to its end: %v\n", id, err)
	case n == 0:
		http.Error(w, fmt.Sprintf("capture %d has no thread dump (status %s)", id, c.Status), http.StatusNotFound)
		return
	}
	out.flush()
}

// handleEvidenceRaw streams the raw bytes of one piece of evidence as a download, inflated as
// sent when the store compressed them. Another org's capture, or a piece of another capture,
// answers 404 like one that never existed.
func (a *App) handleEvidenceRaw(w http.ResponseWriter, r *http.Request, _ *backend.User) {
	id, ok := parseID(w, r)
	if !ok {
		return
	}
	evID, err := strconv.ParseInt(r.PathValue("evidenceId"), 10, 64)
	if err != nil || evID < 1 {
		http.Error(w, fmt.Sprintf("evidence id %q: want a positive number", r.PathValue("evidenceId")), http.StatusBadRequest)
		return
	}
	out := newFlushingWriter(w, rawFlushBytes)
	err = a.rt.store.StreamEvidenceRaw(r.Context(), orgOf(r), id, evID, func(info store.EvidenceRawInfo, raw io.Reader) error {
		w.Header().Set("Content-Type", downloadType(info.RawType))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", evidenceFileName(id, info)))
		w.WriteHeader(http.StatusOK)
		_, err := io.Copy(out, raw)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, fmt.Sprintf("evidence %d of capture %d not found (deleted by retention, or never existed)", evID, id), http.StatusNotFound)
		return
	case errors.Is(err, store.ErrNoRaw):
		http.Error(w, fmt.Sprintf("evidence %d of capture %d kept no raw bytes", evID, id), http.StatusNotFound)
		return
	case err != nil && out.written == 0:
		a.log.Error("stream raw evidence", "id", id, "evidence", evID, "error", err)
		http.Error(w, "read raw evidence: "+err.Error(), http.StatusInternalServerError)
		return
	case err != nil:
		// The status is sent: the download ends short, and the log says why.
		a.log.Error("stream raw evidence", "id", id, "evidence", evID, "error", err)
	}
	out.flush()
}

// downloadTypes are the content types a raw download is served with; anything else a room
// names is served as bytes, so nothing a pod returned is ever rendered by the browser.
var downloadTypes = map[string]bool{
	"application/octet-stream": true, "application/gzip": true, "application/x-protobuf": true,
	"application/json": true, "text/plain": true,
}

func downloadType(t string) string {
	base, _, _ := strings.Cut(t, ";")
	base = strings.ToLower(strings.TrimSpace(base))
	switch {
	case !downloadTypes[base]:
		return "application/octet-stream"
	case strings.HasPrefix(base, "text/"):
		return base + "; charset=utf-8"
	}
	return base
}

// evidenceFileName is capture-<id>-<container>-<rawName> with only safe file name characters.
func evidenceFileName(id int64, info store.EvidenceRawInfo) string {
	parts := []string{"capture", strconv.FormatInt(id, 10)}
	if info.Container != "" {
		parts = append(parts, info.Container)
	}
	name := info.RawName
	if name == "" {
		name = string(info.Kind) + ".raw"
	}
	parts = append(parts, name)
	safe := strings.Map(func(r rune) rune {
		if r < 128 && (r == '.' || r == '-' || r == '_' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')) {
			return r
		}
		return '_'
	}, strings.Join(parts, "-"))
	if len(safe) > 200 {
		safe = safe[:200]
	}
	return safe
}

// flushingWriter hands what is written to the client every limit bytes.
type flushingWriter struct {
	w       http.ResponseWriter
	flusher http.Flusher // nil when w cannot flush: then w keeps it all, as before
	limit   int
	pending int
	written int64
}

func newFlushingWriter(w http.ResponseWriter, limit int) *flushingWriter {
	f, _ := w.(http.Flusher)
	return &flushingWriter{w: w, flusher: f, limit: limit}
}

func (f *flushingWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		k := min(len(p), f.limit-f.pending)
		n, err := f.w.Write(p[:k])
		written += n
		f.pending += n
		f.written += int64(n)
		if err != nil {
			return written, err
		}
		p = p[k:]
		if f.pending >= f.limit {
			f.flush()
		}
	}
	return written, nil
}

func (f *flushingWriter) flush() {
	if f.flusher != nil && f.pending > 0 {
		f.flusher.Flush()
	}
	f.pending = 0
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// The status is sent: a failed write means Grafana closed the call, and no one is left to tell.
	_, _ = w.Write(body)
}
