package plugin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
	"github.com/seed/stackcapture/pkg/store"
)

// acrossCapture is a capture written through the store as a capture of a workload's pod is.
type acrossCapture struct {
	org      int64
	cluster  string
	pod      string
	workload store.Workload
	created  time.Time
	threads  map[string]float64 // top application frame → CPU percent of its thread
	fail     bool
}

func writeAcross(t *testing.T, dbPath string, cs []acrossCapture) []int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), plugintest.Guard)
	defer cancel()
	st, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ids := make([]int64, len(cs))
	for i, c := range cs {
		id, err := st.Insert(ctx, &store.Capture{OrgID: c.org, Cluster: c.cluster, Status: store.StatusQueued, Trigger: store.TriggerAlert,
			RequestedBy: "sa", Namespace: "shop", Pod: c.pod, Container: "app", CreatedAt: c.created})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.MarkRunning(ctx, id, c.created.Add(time.Second), "app", "worker-1"); err != nil {
			t.Fatal(err)
		}
		if c.workload.Known() {
			if err := st.SetWorkload(ctx, id, c.workload); err != nil {
				t.Fatal(err)
			}
		}
		var threads []jvm.Thread
		n := 0
		for frame, cpu := range c.threads {
			n++
			threads = append(threads, jvm.Thread{Name: fmt.Sprintf("worker-%d", n), NativeID: 100 + n, CPUPercent: cpu, InDump: true,
				Frames: []jvm.Frame{{Method: "java.util.HashMap.get", Source: "java.base@17/HashMap.java:1"}, {Method: frame, Source: "App.java:7"}}})
		}
		ps := []jvm.Process{{PID: 1, Container: "app", WindowMs: 2000, Threads: threads}}
		if c.fail {
			err = st.Fail(ctx, id, c.created.Add(2*time.Second), "no JVM found", nil)
		} else {
			err = st.Finish(ctx, id, c.created.Add(3*time.Second), ps, false, 2000)
		}
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	return ids
}

func TestAcrossCapturesRoutes(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "captures.db")
	p := plugintest.NewProcess(plugintest.KubeFor(kubetest.NewServer(t).RESTConfig()), dbPath)
	t.Cleanup(func() { p.Close(t) })
	org1 := p.InstanceT(t, 1, nil)
	org2 := p.InstanceT(t, 2, nil)

	now := time.Now().UTC().Truncate(time.Millisecond)
	checkout := store.Workload{Kind: "Deployment", Name: "checkout"}
	var cs []acrossCapture
	for i := range 10 {
		threads := map[string]float64{"com.acme.Checkout.render": 40}
		if i < 7 {
			threads["com.acme.Spin.spinHot"] = 93
		}
		if i == 9 {
			threads["com.acme.Cache.rebuild"] = 80
			threads["com.acme.Checkout.render"] = 90
		}
		cs = append(cs, acrossCapture{org: 1, cluster: "default", pod: fmt.Sprintf("checkout-7d9f8c6b5-%d", i%3), workload: checkout,
			created: now.Add(time.Duration(i-10) * time.Hour), threads: threads})
	}
	cs = append(cs,
		acrossCapture{org: 1, cluster: "default", pod: "checkout-7d9f8c6b5-0", workload: checkout, created: now.Add(-30 * time.Minute), fail: true},
		acrossCapture{org: 2, cluster: "default", pod: "checkout-7d9f8c6b5-0", workload: checkout, created: now.Add(-20 * time.Minute),
			threads: map[string]float64{"com.other.Org.secret": 99}},
	)
	ids := writeAcross(t, dbPath, cs)
	failed, otherOrg := ids[10], ids[11]

	get := func(a *plugin.App, org int64, path string) plugintest.Response {
		t.Helper()
		return plugintest.CallInOrg(t, a, org, http.MethodGet, path, nil, plugintest.Viewer)
	}

	t.Run("hot frames", func(t *testing.T) {
		r := get(org1, 1, "/workloads/hot-frames?namespace=shop&kind=Deployment&name=checkout")
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		assertShape(t, r.Body, "hot-frames.json")
		hot := plugintest.Decode[plugin.HotFramesResponse](t, r)
		if hot.Workload != (plugin.WorkloadKey{Cluster: "default", Namespace: "shop", Kind: "Deployment", Name: "checkout"}) || hot.Captures != 10 {
			t.Errorf("workload %+v captures %d, want checkout's 10 done captures", hot.Workload, hot.Captures)
		}
		var got []string
		for _, f := range hot.Frames {
			got = append(got, fmt.Sprintf("%s×%d", f.Frame, f.Captures))
		}
		if want := "com.acme.Checkout.render×10 com.acme.Spin.spinHot×7 com.acme.Cache.rebuild×1"; strings.Join(got, " ") != want {
			t.Errorf("frames %v, want %s", got, want)
		}
		spin := hot.Frames[1]
		if spin.Share == nil || *spin.Share != 0.93 || spin.LastCaptureID != ids[6] || spin.FirstSeen != now.Add(-10*time.Hour).Format(time.RFC3339) {
			t.Errorf("spinHot %+v", spin)
		}
		if other := plugintest.Decode[plugin.HotFramesResponse](t, get(org2, 2, "/workloads/hot-frames?namespace=shop&kind=Deployment&name=checkout")); other.Captures != 1 || len(other.Frames) != 1 || other.Frames[0].Frame != "com.other.Org.secret" {
			t.Errorf("org 2 sees %+v, want its own capture only", other)
		}
		// A range of the last 8½ hours holds captures 2..9; the limit keeps the first frame.
		q := url.Values{"namespace": {"shop"}, "kind": {"Deployment"}, "name": {"checkout"}, "cluster": {"default"},
			"from": {fmt.Sprint(now.Add(-8*time.Hour - 30*time.Minute).UnixMilli())}, "to": {now.Format(time.RFC3339)}, "limit": {"1"}}
		narrow := plugintest.Decode[plugin.HotFramesResponse](t, get(org1, 1, "/workloads/hot-frames?"+q.Encode()))
		if narrow.Captures != 8 || len(narrow.Frames) != 1 || narrow.Frames[0].Captures != 8 {
			t.Errorf("narrow range: %+v", narrow)
		}
		if empty := plugintest.Decode[plugin.HotFramesResponse](t, get(org1, 1, "/workloads/hot-frames?namespace=shop&kind=StatefulSet&name=checkout")); empty.Captures != 0 || empty.Frames == nil || len(empty.Frames) != 0 {
			t.Errorf("unknown workload: %+v, want no captures and an empty list", empty)
		}
	})

	t.Run("bad hot frames parameters", func(t *testing.T) {
		for _, tc := range []struct{ query, reason string }{
			{"namespace=shop&kind=Deployment", "namespace, kind and name are required"},
			{"kind=Deployment&name=checkout", "namespace, kind and name are required"},
			{"namespace=shop&kind=Deployment&name=checkout&limit=0", "limit \"0\""},
			{"namespace=shop&kind=Deployment&name=checkout&limit=many", "limit \"many\""},
			{"namespace=shop&kind=Deployment&name=checkout&from=yesterday", "from \"yesterday\""},
			{"namespace=shop&kind=Deployment&name=checkout&from=2000&to=1000", "is after to"},
		} {
			r := get(org1, 1, "/workloads/hot-frames?"+tc.query)
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), tc.reason) {
				t.Errorf("%s: %d %q, want 400 saying %q", tc.query, r.Status, r.Body, tc.reason)
			}
		}
	})

	t.Run("previous", func(t *testing.T) {
		r := get(org1, 1, fmt.Sprintf("/captures/%d/previous", ids[9]))
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		assertShape(t, r.Body, "previous.json")
		if prev := plugintest.Decode[plugin.PreviousResponse](t, r); prev.ID != ids[8] {
			t.Errorf("previous of %d = %d, want %d", ids[9], prev.ID, ids[8])
		}
		// The failed capture came after all done ones: its previous is the last done one.
		if prev := plugintest.Decode[plugin.PreviousResponse](t, get(org1, 1, fmt.Sprintf("/captures/%d/previous", failed))); prev.ID != ids[9] {
			t.Errorf("previous of the failed capture = %d, want %d", prev.ID, ids[9])
		}
		for _, tc := range []struct {
			name   string
			a      *plugin.App
			org    int64
			path   string
			status int
		}{
			{"first of its workload", org1, 1, fmt.Sprintf("/captures/%d/previous", ids[0]), http.StatusNotFound},
			{"another org's capture", org1, 1, fmt.Sprintf("/captures/%d/previous", otherOrg), http.StatusNotFound},
			{"org 2 asks for org 1's", org2, 2, fmt.Sprintf("/captures/%d/previous", ids[9]), http.StatusNotFound},
			{"not an id", org1, 1, "/captures/last/previous", http.StatusBadRequest},
		} {
			if r := get(tc.a, tc.org, tc.path); r.Status != tc.status {
				t.Errorf("%s: %d %q, want %d", tc.name, r.Status, r.Body, tc.status)
			}
		}
	})

	t.Run("compare", func(t *testing.T) {
		r := get(org1, 1, fmt.Sprintf("/captures/compare?base=%d&other=%d", ids[8], ids[9]))
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		assertShape(t, r.Body, "compare.json")
		cmp := plugintest.Decode[plugin.CompareResponse](t, r)
		if cmp.Base.ID != ids[8] || cmp.Other.ID != ids[9] || cmp.Other.CreatedAt != now.Add(-time.Hour).Format(time.RFC3339) {
			t.Errorf("base %+v other %+v", cmp.Base, cmp.Other)
		}
		changes := map[string]string{}
		for _, e := range cmp.Entries {
			changes[e.Frame] = e.Change
		}
		want := map[string]string{"com.acme.Checkout.render": "grew", "com.acme.Cache.rebuild": "appeared"}
		if fmt.Sprint(changes) != fmt.Sprint(want) {
			t.Errorf("changes %v, want %v", changes, want)
		}
		back := plugintest.Decode[plugin.CompareResponse](t, get(org1, 1, fmt.Sprintf("/captures/compare?base=%d&other=%d", ids[6], ids[7])))
		for _, e := range back.Entries {
			if e.Frame == "com.acme.Spin.spinHot" && (e.Change != "disappeared" || e.BaseShare == nil || *e.BaseShare != 0.93 || e.OtherShare != nil || e.Thread == "") {
				t.Errorf("spinHot from 6 to 7: %+v", e)
			}
			if e.Frame == "com.acme.Checkout.render" && e.Change != "same" {
				t.Errorf("render from 6 to 7: %+v", e)
			}
		}
		for _, tc := range []struct {
			name, query string
			status      int
			reason      string
		}{
			{"no other", fmt.Sprintf("base=%d", ids[8]), http.StatusBadRequest, "other \"\""},
			{"bad base", fmt.Sprintf("base=x&other=%d", ids[8]), http.StatusBadRequest, "base \"x\""},
			{"another org's capture", fmt.Sprintf("base=%d&other=%d", ids[8], otherOrg), http.StatusNotFound, fmt.Sprintf("capture %d not found", otherOrg)},
			{"a failed capture", fmt.Sprintf("base=%d&other=%d", failed, ids[8]), http.StatusConflict, "is failed"},
		} {
			r := get(org1, 1, "/captures/compare?"+tc.query)
			if r.Status != tc.status || !strings.Contains(string(r.Body), tc.reason) {
				t.Errorf("%s: %d %q, want %d saying %q", tc.name, r.Status, r.Body, tc.status, tc.reason)
			}
		}
	})

	t.Run("detail and list name the workload", func(t *testing.T) {
		r := get(org1, 1, fmt.Sprintf("/captures/%d", ids[9]))
		assertShape(t, r.Body, "detail-done.json", "capture-evidence.json")
		d := plugintest.Decode[plugin.CaptureDetail](t, r)
		if d.Workload == nil || *d.Workload != (plugin.Workload{Kind: "Deployment", Name: "checkout"}) {
			t.Errorf("detail workload %+v", d.Workload)
		}
		l := get(org1, 1, "/captures?limit=2")
		assertShape(t, l.Body, "list.json", "list-evidence.json")
		for _, c := range plugintest.Decode[plugin.ListResponse](t, l).Captures {
			if c.Workload == nil || c.Workload.Name != "checkout" {
				t.Errorf("list: capture %d workload %+v", c.ID, c.Workload)
			}
		}
		if strings.Contains(string(get(org1, 1, "/captures?status=queued").Body), `"workload"`) {
			t.Error("a capture without a workload lists one")
		}
	})
}
