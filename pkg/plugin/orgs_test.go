package plugin_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
	"github.com/seed/stackcapture/pkg/store"
)

// Two orgs on one Grafana, each calling through its own plugin context: a Viewer of org 2
// can neither list, read, download nor affect org 1's captures, by any id or filter.
func TestOrgsAreApartThroughCallResource(t *testing.T) {
	srv := kubetest.NewServer(t)
	p := plugintest.NewProcessT(t, plugintest.KubeFor(srv.RESTConfig()))
	org1 := p.InstanceT(t, 1, map[string]any{"sampleWindow": "700ms", "topThreads": 5})
	org2 := p.InstanceT(t, 2, map[string]any{"sampleWindow": "300ms"})
	j := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), jvmtest.Compile(t))
	srv.AddPod(kubetest.PodSpec{Namespace: fixtureNamespace, Name: fixturePod, Node: "worker-1",
		Containers: []kubetest.ContainerSpec{{Name: "app", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(j.PID)}}}})

	r := plugintest.CallInOrg(t, org1, 1, "POST", "/webhook", webhookFixture(t, "grafana-12.4-k8s-firing-linked-panel.json"), plugintest.Editor)
	sub := plugintest.Decode[plugin.SubmitResponse](t, r)
	if r.Status != http.StatusAccepted || len(sub.Accepted) != 1 || sub.Accepted[0].Cluster != "default" {
		t.Fatalf("org 1 webhook: %d %s", r.Status, r.Body)
	}
	id := sub.Accepted[0].ID
	if d := plugintest.WaitFinished(t, org1, id); d.Status != "done" || d.Cluster != "default" {
		t.Fatalf("org 1 capture: %s %q cluster %q", d.Status, d.Error, d.Cluster)
	}
	if raw := plugintest.CallInOrg(t, org1, 1, "GET", fmt.Sprintf("/captures/%d/raw", id), nil, plugintest.Viewer); raw.Status != http.StatusOK {
		t.Fatalf("org 1 reads its own raw dump: %d", raw.Status)
	}

	// Org 2's Viewer, through org 2's instance and, as a request reaching another org's
	// instance would, through org 1's: the plugin context's org decides, not the instance.
	for name, a := range map[string]*plugin.App{"org 2's instance": org2, "org 1's instance": org1} {
		lists := []string{"/captures", "/captures?namespace=shop", "/captures?pod=" + fixturePod, "/captures?status=done",
			"/captures?dashboardUid=lab-dash&panelId=1", "/captures?cluster=default", "/captures?limit=500&from=0"}
		for _, path := range lists {
			l := plugintest.CallInOrg(t, a, 2, "GET", path, nil, plugintest.Viewer)
			if l.Status != http.StatusOK || len(plugintest.Decode[plugin.ListResponse](t, l).Captures) != 0 {
				t.Errorf("%s: org 2 GET %s: %d %s", name, path, l.Status, l.Body)
			}
		}
		for probe := int64(1); probe <= id+3; probe++ {
			for _, path := range []string{fmt.Sprintf("/captures/%d", probe), fmt.Sprintf("/captures/%d/raw", probe)} {
				if g := plugintest.CallInOrg(t, a, 2, "GET", path, nil, plugintest.Viewer); g.Status != http.StatusNotFound {
					t.Errorf("%s: org 2 GET %s: %d %.200s", name, path, g.Status, g.Body)
				}
			}
		}
		for _, method := range []string{"DELETE", "PUT", "PATCH"} {
			if d := plugintest.CallInOrg(t, a, 2, method, fmt.Sprintf("/captures/%d", id), nil, plugintest.Admin); d.Status < 400 {
				t.Errorf("%s: org 2 %s /captures/%d: %d", name, method, id, d.Status)
			}
		}
	}
	// Org 1 still has its capture, whole.
	if d := plugintest.Get[plugin.CaptureDetail](t, org1, fmt.Sprintf("/captures/%d", id), plugintest.Viewer); d.Status != "done" || len(d.Processes) == 0 {
		t.Errorf("org 1's capture after org 2's calls: %s with %d processes", d.Status, len(d.Processes))
	}
	// A request without an org is refused.
	if r := plugintest.CallInOrg(t, org1, 0, "GET", "/captures", nil, plugintest.Viewer); r.Status != http.StatusUnauthorized {
		t.Errorf("GET /captures without an org: %d %s", r.Status, r.Body)
	}
}

// Org 2's short retention deletes org 2's old captures and never org 1's.
func TestRetentionOfOneOrgKeepsAnothersCaptures(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "captures.db")
	st, err := store.Open(context.Background(), dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-3 * time.Hour).UTC()
	ids := map[int64]int64{} // id → org
	for _, org := range []int64{1, 2} {
		id, err := st.Insert(context.Background(), &store.Capture{OrgID: org, Status: store.StatusSkipped, Trigger: store.TriggerManual,
			Namespace: "shop", Pod: "a", CreatedAt: old, FinishedAt: old, Error: "test"})
		if err != nil {
			t.Fatal(err)
		}
		ids[id] = org
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	p := plugintest.NewProcess(plugintest.KubeFor(kubetest.NewServer(t).RESTConfig()), dbPath)
	t.Cleanup(func() { p.Close(t) })
	org1 := p.InstanceT(t, 1, nil) // retention 336h
	p.InstanceT(t, 2, map[string]any{"retention": "1h"})
	for id, org := range ids {
		r := plugintest.CallInOrg(t, org1, org, "GET", fmt.Sprintf("/captures/%d", id), nil, plugintest.Viewer)
		want := http.StatusOK
		if org == 2 {
			want = http.StatusNotFound
		}
		if r.Status != want {
			t.Errorf("org %d's 3h-old capture %d after org 2's 1h retention: %d, want %d", org, id, r.Status, want)
		}
	}
}

// Three orgs, each with its own settings (so each its own capture manager), share the
// cluster's limits: with per_node_limit 1, never two execs on one node at once.
func TestThreeOrgsShareTheNodeLimit(t *testing.T) {
	srv := kubetest.NewServer(t)
	srv.OnExec(func(ctx context.Context, _ kubetest.ExecEvent) error {
		select {
		case <-time.After(150 * time.Millisecond): // long enough for overlaps to show
		case <-ctx.Done():
		}
		return nil
	})
	p := plugintest.NewProcessT(t, plugintest.KubeFor(srv.RESTConfig()),
		plugintest.WithServer(map[string]string{"per_node_limit": "1", "global_limit": "10"}))
	const podsPerOrg = 3
	var apps []*plugin.App
	for org := int64(1); org <= 3; org++ {
		apps = append(apps, p.InstanceT(t, org, map[string]any{"sampleWindow": fmt.Sprintf("%dms", 100*org), "captureTimeout": "2m"}))
		for i := range podsPerOrg {
			srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: fmt.Sprintf("org%d-%d", org, i), Node: "worker-1",
				Containers: []kubetest.ContainerSpec{{Name: "c", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(os.Getpid())}}}})
		}
	}
	var wg sync.WaitGroup
	idsByOrg := make([][]int64, 3)
	for i, a := range apps {
		org := int64(i + 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range podsPerOrg {
				body := fmt.Sprintf(`{"namespace":"shop","pod":"org%d-%d","container":"c"}`, org, n)
				r, err := plugintest.DoInOrg(t.Context(), a, org, "POST", "/captures", []byte(body), plugintest.Editor)
				if err != nil || r.Status != http.StatusAccepted {
					t.Errorf("org %d capture now: %v %d %s", org, err, r.Status, r.Body)
					return
				}
				sub := plugintest.Decode[plugin.SubmitResponse](t, r)
				for _, acc := range sub.Accepted {
					idsByOrg[org-1] = append(idsByOrg[org-1], acc.ID)
				}
			}
		}()
	}
	wg.Wait()
	for i, ids := range idsByOrg {
		if len(ids) != podsPerOrg {
			t.Fatalf("org %d: %d captures accepted, want %d", i+1, len(ids), podsPerOrg)
		}
		for _, id := range ids {
			d := plugintest.WaitFinishedInOrg(t, apps[i], int64(i+1), id)
			if d.Status != "failed" || !strings.Contains(d.Error, "no JVM found") {
				t.Errorf("org %d capture %d: %s %q", i+1, id, d.Status, d.Error)
			}
		}
	}
	started, _, maxActive := srv.ExecStats()
	if started != 3*podsPerOrg || maxActive != 1 {
		t.Errorf("%d execs, at most %d at once on the one node; want %d execs, never more than 1 at once", started, maxActive, 3*podsPerOrg)
	}
}

// The cooldown of a cluster holds across orgs: a capture by org 1 counts for org 2, and an org
// can lengthen its own wait but never go below the server's min_cooldown.
func TestCooldownHoldsAcrossOrgs(t *testing.T) {
	srv := kubetest.NewServer(t)
	p := plugintest.NewProcessT(t, plugintest.KubeFor(srv.RESTConfig()), plugintest.WithServer(map[string]string{"min_cooldown": "5m"}))
	org1 := p.InstanceT(t, 1, map[string]any{"sampleWindow": "100ms", "cooldown": "0s"})
	org2 := p.InstanceT(t, 2, map[string]any{"sampleWindow": "200ms", "cooldown": "1h"})
	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n",
		Containers: []kubetest.ContainerSpec{{Name: "c", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(os.Getpid())}}}})
	body := []byte(`{"namespace":"shop","pod":"p","container":"c"}`)
	first := plugintest.Decode[plugin.SubmitResponse](t, plugintest.CallInOrg(t, org1, 1, "POST", "/captures", body, plugintest.Editor))
	if len(first.Accepted) != 1 {
		t.Fatalf("first capture: %+v", first)
	}
	plugintest.WaitFinishedInOrg(t, org1, 1, first.Accepted[0].ID)
	for _, c := range []struct {
		org  int64
		app  *plugin.App
		want string
	}{{2, org2, "less than 1h0m0s ago"}, {1, org1, "less than 5m0s ago"}} {
		sub := plugintest.Decode[plugin.SubmitResponse](t, plugintest.CallInOrg(t, c.app, c.org, "POST", "/captures", body, plugintest.Editor))
		if len(sub.Accepted) != 0 || len(sub.Skipped) != 1 || !strings.Contains(sub.Skipped[0].Reason, c.want) {
			t.Errorf("org %d right after org 1's capture: %+v, want a cooldown skip %q", c.org, sub, c.want)
		}
	}
}

// Saving an org's settings builds a new instance and disposes of the old one: captures in
// flight finish (not failed as "plugin stopped"), the old instance still answers, and the
// database stays open.
func TestSettingsSaveDrainsCapturesInFlight(t *testing.T) {
	srv := kubetest.NewServer(t)
	release := srv.HoldExecs()
	srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n",
		Containers: []kubetest.ContainerSpec{{Name: "c", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(os.Getpid())}}}})
	p := plugintest.NewProcessT(t, plugintest.KubeFor(srv.RESTConfig()))
	old := p.InstanceT(t, 1, map[string]any{"sampleWindow": "200ms"})
	r := plugintest.Call(t, old, "POST", "/captures", []byte(`{"namespace":"shop","pod":"p","container":"c"}`), plugintest.Editor)
	id := plugintest.Decode[plugin.SubmitResponse](t, r).Accepted[0].ID
	waitStatus(t, old, id, "running")

	updated := p.InstanceT(t, 1, map[string]any{"sampleWindow": "300ms", "topThreads": 9})
	old.Dispose() // what the SDK does after building the new instance
	if r := plugintest.Call(t, old, "GET", "/captures", nil, plugintest.Viewer); r.Status != http.StatusOK {
		t.Errorf("a request reaching the disposed instance: %d %s", r.Status, r.Body)
	}
	release()
	if d := plugintest.WaitFinished(t, updated, id); d.Status != "failed" || !strings.Contains(d.Error, "no JVM found") {
		t.Errorf("the capture in flight across the save: %s %q, want it to run to its own end", d.Status, d.Error)
	}
}

// Several clusters from one Grafana: the alert's cluster label picks one; a missing, unknown
// or not-allowed cluster is a recorded skip naming the clusters allowed.
func TestClustersArePickedByLabel(t *testing.T) {
	servers := map[string]*kubetest.Server{"east": kubetest.NewServer(t), "west": kubetest.NewServer(t)}
	for _, srv := range servers {
		srv.AddPod(kubetest.PodSpec{Namespace: fixtureNamespace, Name: fixturePod, Node: "worker-1",
			Containers: []kubetest.ContainerSpec{{Name: "app", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(os.Getpid())}}}})
	}
	newKube := func(c plugin.ClusterConfig) (plugin.KubeClient, error) {
		return plugintest.KubeFor(servers[c.Name].RESTConfig())(c)
	}
	p := plugintest.NewProcessT(t, newKube, plugintest.WithServer(map[string]string{
		"clusters": "east,west", "cluster_east_namespaces": "shop", "cluster_west_namespaces": "*"}))
	all := p.InstanceT(t, 1, map[string]any{"sampleWindow": "100ms"})
	eastOnly := p.InstanceT(t, 2, map[string]any{"sampleWindow": "100ms", "clusters": []string{"east"}})

	hook := func(cluster string) []byte {
		body := string(webhookFixture(t, "grafana-12.4-k8s-firing-linked-panel.json"))
		if cluster == "" {
			return []byte(body)
		}
		return []byte(strings.Replace(body, `"namespace": "shop"`, `"cluster": "`+cluster+`", "namespace": "shop"`, 1))
	}
	if !strings.Contains(string(hook("west")), `"cluster": "west"`) {
		t.Fatal("the fixture's labels changed: cannot add a cluster label")
	}
	tests := []struct {
		name    string
		app     *plugin.App
		org     int64
		cluster string
		want    string // "" = accepted in cluster
	}{
		{"west by label", all, 1, "west", ""},
		{"no label with two clusters", all, 1, "", `alert has no cluster label "cluster": this org may capture in east, west`},
		{"unknown cluster", all, 1, "north", `unknown cluster "north" (label "cluster"): this org may capture in east, west`},
		{"cluster not allowed for the org", eastOnly, 2, "west", `cluster not allowed for this org "west" (label "cluster"): this org may capture in east`},
		{"east for the org allowed it", eastOnly, 2, "east", ""},
	}
	for _, tt := range tests {
		r := plugintest.CallInOrg(t, tt.app, tt.org, "POST", "/webhook", hook(tt.cluster), plugintest.Editor)
		sub := plugintest.Decode[plugin.SubmitResponse](t, r)
		if tt.want == "" {
			if len(sub.Accepted) != 1 || sub.Accepted[0].Cluster != tt.cluster {
				t.Errorf("%s: %s", tt.name, r.Body)
				continue
			}
			if d := plugintest.WaitFinishedInOrg(t, tt.app, tt.org, sub.Accepted[0].ID); d.Cluster != tt.cluster {
				t.Errorf("%s: stored cluster %q", tt.name, d.Cluster)
			}
			continue
		}
		if len(sub.Accepted) != 0 || len(sub.Skipped) != 1 || sub.Skipped[0].Reason != tt.want {
			t.Errorf("%s: %s, want the skip %q", tt.name, r.Body, tt.want)
		}
	}
	for name, srv := range servers {
		if started, _, _ := srv.ExecStats(); started != 1 {
			t.Errorf("cluster %s: %d execs, want 1", name, started)
		}
	}
	// The skips are recorded where people look for captures.
	skips := plugintest.Decode[plugin.ListResponse](t, plugintest.CallInOrg(t, all, 1, "GET", "/captures?status=skipped", nil, plugintest.Viewer))
	if len(skips.Captures) != 2 {
		t.Errorf("org 1's recorded skips: %+v", skips.Captures)
	}

	// Capture now offers the org's clusters, with the namespaces each allows.
	got := plugintest.Decode[plugin.ClustersResponse](t, plugintest.CallInOrg(t, eastOnly, 2, "GET", "/clusters", nil, plugintest.Viewer))
	if len(got.Clusters) != 1 || got.Clusters[0].Name != "east" || got.Clusters[0].AllNamespaces || strings.Join(got.Clusters[0].Namespaces, ",") != "shop" {
		t.Errorf("org 2's clusters: %+v", got)
	}
	r := plugintest.CallInOrg(t, all, 1, "GET", "/clusters", nil, plugintest.Viewer)
	assertShape(t, r.Body, "clusters.json")
	got = plugintest.Decode[plugin.ClustersResponse](t, r)
	if len(got.Clusters) != 2 || !got.Clusters[1].AllNamespaces {
		t.Errorf("org 1's clusters: %+v", got)
	}
	for _, c := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"namespace":"shop","pod":"x"}`, http.StatusBadRequest, "this org may capture in east, west"},
		{`{"cluster":"north","namespace":"shop","pod":"x"}`, http.StatusBadRequest, `unknown cluster "north"`},
		{`{"cluster":"east","namespace":"pay","pod":"x"}`, http.StatusAccepted, `of cluster east is not allowed by the server admin (cluster_east_namespaces allows shop)`},
	} {
		r := plugintest.CallInOrg(t, all, 1, "POST", "/captures", []byte(c.body), plugintest.Editor)
		if r.Status != c.status || !strings.Contains(string(r.Body), c.want) {
			t.Errorf("capture now %s: %d %s, want %d with %q", c.body, r.Status, r.Body, c.status, c.want)
		}
	}
}

// The server's namespace ceiling is empty unless the server admin sets it: every namespace is
// denied, with a reason saying who can change that, and the health check says so.
func TestNoNamespaceUntilTheServerAdminAllowsSome(t *testing.T) {
	srv := kubetest.NewServer(t)
	p := plugintest.NewProcessT(t, plugintest.KubeFor(srv.RESTConfig()), plugintest.WithServer(map[string]string{"cluster_default_namespaces": ""}))
	a := p.InstanceT(t, 1, map[string]any{"allowedNamespaces": []string{"shop"}})
	r := plugintest.Call(t, a, "POST", "/webhook", webhookFixture(t, "grafana-12.4-k8s-firing-linked-panel.json"), plugintest.Editor)
	sub := plugintest.Decode[plugin.SubmitResponse](t, r)
	want := `namespace "shop" of cluster default is not allowed by the server admin (cluster_default_namespaces allows no namespace`
	if len(sub.Accepted) != 0 || len(sub.Skipped) != 1 || !strings.Contains(sub.Skipped[0].Reason, want) {
		t.Errorf("webhook with no namespace allowed: %s", r.Body)
	}
	res, err := a.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil || res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "no namespace of cluster default may be captured") {
		t.Errorf("health: %v %q", err, res.Message)
	}
}

// Limits are per cluster: worker-1 of east and worker-1 of west are two nodes, so with
// per_node_limit 1 one exec runs in each cluster at the same time, while each cluster alone
// never runs two.
func TestNodeLimitIsPerCluster(t *testing.T) {
	servers := map[string]*kubetest.Server{"east": kubetest.NewServer(t), "west": kubetest.NewServer(t)}
	const podsPerCluster = 3
	// Every exec of either cluster is held until execs of both clusters have started (or a
	// guard passes): with a limit shared across clusters, the second would never start.
	var (
		mu          sync.Mutex
		seen        = map[string]bool{}
		bothRunning = make(chan struct{})
	)
	for name, srv := range servers {
		srv.OnExec(func(ctx context.Context, _ kubetest.ExecEvent) error {
			mu.Lock()
			seen[name] = true
			if seen["east"] && seen["west"] {
				select {
				case <-bothRunning:
				default:
					close(bothRunning)
				}
			}
			mu.Unlock()
			select {
			case <-bothRunning:
			case <-time.After(5 * time.Second):
			case <-ctx.Done():
			}
			return nil
		})
		for i := range podsPerCluster {
			srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: fmt.Sprintf("p%d", i), Node: "worker-1",
				Containers: []kubetest.ContainerSpec{{Name: "c", Env: []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_PIDS=" + strconv.Itoa(os.Getpid())}}}})
		}
	}
	newKube := func(c plugin.ClusterConfig) (plugin.KubeClient, error) {
		return plugintest.KubeFor(servers[c.Name].RESTConfig())(c)
	}
	p := plugintest.NewProcessT(t, newKube, plugintest.WithServer(map[string]string{
		"clusters": "east,west", "cluster_east_namespaces": "shop", "cluster_west_namespaces": "shop",
		"per_node_limit": "1", "global_limit": "10"}))
	a := p.InstanceT(t, 1, map[string]any{"sampleWindow": "100ms", "captureTimeout": "2m"})
	start := time.Now()
	var ids []int64
	for n := range podsPerCluster {
		for _, cluster := range []string{"east", "west"} {
			body := fmt.Sprintf(`{"cluster":%q,"namespace":"shop","pod":"p%d","container":"c"}`, cluster, n)
			r := plugintest.CallInOrg(t, a, 1, "POST", "/captures", []byte(body), plugintest.Editor)
			sub := plugintest.Decode[plugin.SubmitResponse](t, r)
			if len(sub.Accepted) != 1 {
				t.Fatalf("%s p%d: %s", cluster, n, r.Body)
			}
			ids = append(ids, sub.Accepted[0].ID)
		}
	}
	for _, id := range ids {
		if d := plugintest.WaitFinishedInOrg(t, a, 1, id); d.Status != "failed" || !strings.Contains(d.Error, "no JVM found") {
			t.Errorf("capture %d: %s %q", id, d.Status, d.Error)
		}
	}
	select {
	case <-bothRunning:
	default:
		t.Fatalf("no exec of east ran while one of west did (after %s): the node limit is shared across clusters", time.Since(start).Round(time.Millisecond))
	}
	for name, srv := range servers {
		if started, _, maxActive := srv.ExecStats(); started != podsPerCluster || maxActive != 1 {
			t.Errorf("%s: %d execs, at most %d at once on its worker-1; want %d, never more than 1", name, started, maxActive, podsPerCluster)
		}
	}
}
