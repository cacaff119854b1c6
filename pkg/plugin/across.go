package plugin

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/seed/stackcapture/pkg/store"
)

// Across captures: the frames that keep coming back in a workload's captures, the capture
// before this one, and what changed between two captures. contract/hot-frames.json,
// previous.json and compare.json hold an example of each.

// Workload is what runs a capture's pod, in capture lists and details.
type Workload struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

func workloadOf(c *store.Capture) *Workload {
	if !c.Workload.Known() {
		return nil
	}
	return &Workload{Kind: c.Workload.Kind, Name: c.Workload.Name}
}

// WorkloadKey names a workload in GET /workloads/hot-frames.
type WorkloadKey struct {
	Cluster   string `json:"cluster"`
	Namespace string `json:"namespace"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
}

// HotFramesResponse answers GET /workloads/hot-frames.
type HotFramesResponse struct {
	Workload WorkloadKey `json:"workload"`
	// Captures is how many done captures of the workload the range holds.
	Captures int        `json:"captures"`
	From     string     `json:"from"` // RFC 3339
	To       string     `json:"to"`
	Frames   []HotFrame `json:"frames"`
}

// HotFrame is one frame of a workload's captures: in how many it was among the hottest.
type HotFrame struct {
	Frame    string `json:"frame"`
	Captures int    `json:"captures"`
	// Share is the mean CPU share (1.0 = one core) of the captures that measured it; null
	// when none did.
	Share         *float64 `json:"share"`
	FirstSeen     string   `json:"firstSeen"`
	LastSeen      string   `json:"lastSeen"`
	LastCaptureID int64    `json:"lastCaptureId"`
}

// PreviousResponse answers GET /captures/{id}/previous.
type PreviousResponse struct {
	ID int64 `json:"id"`
}

// CompareResponse answers GET /captures/compare.
type CompareResponse struct {
	Base    CaptureRef     `json:"base"`
	Other   CaptureRef     `json:"other"`
	Entries []CompareEntry `json:"entries"`
}

// CaptureRef names a capture of a comparison.
type CaptureRef struct {
	ID        int64  `json:"id"`
	CreatedAt string `json:"createdAt"` // RFC 3339
}

// CompareEntry is one frame of a comparison.
type CompareEntry struct {
	Frame      string   `json:"frame"`
	Thread     string   `json:"thread,omitempty"` // JVM: the busiest thread it was on
	BaseShare  *float64 `json:"baseShare"`
	OtherShare *float64 `json:"otherShare"`
	Change     string   `json:"change"` // appeared, disappeared, grew, shrank, same
}

// defaultHotFramesRange is the range of hot frames when the call names none.
const defaultHotFramesRange = 7 * 24 * time.Hour

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// rounded keeps four decimals of a share (a hundredth of a percent of a core).
func rounded(v *float64) *float64 {
	if v == nil {
		return nil
	}
	r := math.Round(*v*1e4) / 1e4
	return &r
}

// parseTimeParam reads a time parameter as epoch milliseconds (like GET /captures) or RFC 3339.
func parseTimeParam(q url.Values, key string) (time.Time, error) {
	v := q.Get(key)
	if v == "" {
		return time.Time{}, nil
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms >= 0 {
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want epoch milliseconds or an RFC 3339 time", key, v)
	}
	return t.UTC(), nil
}

// hotFramesQuery reads GET /workloads/hot-frames's parameters.
func (a *App) hotFramesQuery(q url.Values, org int64, now time.Time) (store.WorkloadKey, time.Time, time.Time, int, error) {
	k := store.WorkloadKey{OrgID: org, Cluster: q.Get("cluster"), Namespace: q.Get("namespace"),
		Workload: store.Workload{Kind: q.Get("kind"), Name: q.Get("name")}}
	var zero time.Time
	if k.Namespace == "" || k.Kind == "" || k.Name == "" {
		return k, zero, zero, 0, errors.New("namespace, kind and name are required: the workload as a capture names it (kind Deployment, name shop)")
	}
	if k.Cluster == "" {
		// One cluster: the captures are all of it. Several: which one must be said.
		clusters := a.orgClusters()
		if len(clusters) != 1 {
			return k, zero, zero, 0, fmt.Errorf("cluster is required: this org captures in %s", clusterNames(clusters))
		}
		k.Cluster = clusters[0].cfg.Name
	}
	from, err := parseTimeParam(q, "from")
	if err != nil {
		return k, zero, zero, 0, err
	}
	to, err := parseTimeParam(q, "to")
	if err != nil {
		return k, zero, zero, 0, err
	}
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.Add(-defaultHotFramesRange)
	}
	if from.After(to) {
		return k, zero, zero, 0, fmt.Errorf("from %s is after to %s", rfc3339(from), rfc3339(to))
	}
	limit := store.DefaultHotFrames
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxHotFrames {
			return k, zero, zero, 0, fmt.Errorf("limit %q: want 1 to %d", v, store.MaxHotFrames)
		}
		limit = n
	}
	return k, from, to, limit, nil
}

func (a *App) handleHotFrames(w http.ResponseWriter, r *http.Request, _ *backend.User) {
	k, from, to, limit, err := a.hotFramesQuery(r.URL.Query(), orgOf(r), time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	hot, err := a.rt.store.HotFramesOf(r.Context(), k, from, to, limit)
	if errors.Is(err, store.ErrBadFilter) {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err != nil {
		a.log.Error("hot frames", "workload", k.Kind+"/"+k.Name, "error", err)
		http.Error(w, "hot frames: "+err.Error(), http.StatusInternalServerError)
		return
	}
	resp := HotFramesResponse{
		Workload: WorkloadKey{Cluster: k.Cluster, Namespace: k.Namespace, Kind: k.Kind, Name: k.Name},
		Captures: hot.Captures, From: rfc3339(hot.From), To: rfc3339(to),
		Frames: make([]HotFrame, 0, len(hot.Frames)),
	}
	for _, f := range hot.Frames {
		resp.Frames = append(resp.Frames, HotFrame{Frame: f.Frame, Captures: f.Captures, Share: rounded(f.Share),
			FirstSeen: rfc3339(f.FirstSeen), LastSeen: rfc3339(f.LastSeen), LastCaptureID: f.LastCaptureID})
	}
	writeJSON(w, http.StatusOK, resp)
}

func (a *App) handlePrevious(w http.ResponseWriter, r *http.Request, _ *backend.User) {
	id, ok := parseID(w, r)
	if !ok {
		return
	}
	prev, err := a.rt.store.PreviousInWorkload(r.Context(), orgOf(r), id)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if err != nil {
		a.log.Error("previous capture", "id", id, "error", err)
		http.Error(w, "previous capture: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, PreviousResponse{ID: prev})
}

func (a *App) handleCompare(w http.ResponseWriter, r *http.Request, _ *backend.User) {
	q := r.URL.Query()
	var ids [2]int64
	for i, key := range []string{"base", "other"} {
		id, err := strconv.ParseInt(q.Get(key), 10, 64)
		if err != nil || id < 1 {
			http.Error(w, fmt.Sprintf("%s %q: want a capture id (compare?base=<id>&other=<id>)", key, q.Get(key)), http.StatusBadRequest)
			return
		}
		ids[i] = id
	}
	var caps [2]*store.Capture
	var frames [2][]store.CaptureFrame
	for i, id := range ids {
		c, fs, err := a.rt.store.FramesInOrg(r.Context(), orgOf(r), id)
		if errors.Is(err, store.ErrNotFound) {
			http.Error(w, fmt.Sprintf("capture %d not found (deleted by retention, or never existed)", id), http.StatusNotFound)
			return
		}
		if err != nil {
			a.log.Error("compare captures", "id", id, "error", err)
			http.Error(w, "compare captures: "+err.Error(), http.StatusInternalServerError)
			return
		}
		if c.Status != store.StatusDone {
			http.Error(w, fmt.Sprintf("capture %d is %s: only a done capture has frames to compare", id, c.Status), http.StatusConflict)
			return
		}
		caps[i], frames[i] = c, fs
	}
	resp := CompareResponse{
		Base:    CaptureRef{ID: caps[0].ID, CreatedAt: rfc3339(caps[0].CreatedAt)},
		Other:   CaptureRef{ID: caps[1].ID, CreatedAt: rfc3339(caps[1].CreatedAt)},
		Entries: []CompareEntry{},
	}
	for _, c := range store.CompareFrames(frames[0], frames[1]) {
		resp.Entries = append(resp.Entries, CompareEntry{Frame: c.Frame, Thread: c.Thread,
			BaseShare: rounded(c.BaseShare), OtherShare: rounded(c.OtherShare), Change: string(c.Change)})
	}
	writeJSON(w, http.StatusOK, resp)
}
