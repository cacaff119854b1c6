// Package plugintest builds Stack Capture app instances the way Grafana does (the factory and
// the settings JSON) and sends them resource calls the way Grafana forwards them, with the
// caller's user and role in the plugin context. It is for tests and benchmarks only: no
// production code imports it.
package plugintest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"k8s.io/client-go/rest"

	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/plugin"
)

// Guard bounds every wait here: a failure guard for a loaded machine, never a performance bound.
const Guard = 3 * time.Minute

// pollEvery is how often the waits ask the API again.
const pollEvery = 20 * time.Millisecond

// The callers Grafana puts in the plugin context: the webhook's service account, a dashboard
// viewer, an org admin.
var (
	Editor = &backend.User{Login: "sa-1-stackcapture-webhook", Role: "Editor"}
	Viewer = &backend.User{Login: "ann", Role: "Viewer"}
	Admin  = &backend.User{Login: "admin", Role: "Admin"}
)

// NewKubeFunc builds a cluster's Kubernetes client from its server configuration, as
// plugin.Deps.NewKube.
type NewKubeFunc = func(plugin.ClusterConfig) (plugin.KubeClient, error)

// KubeFor points every cluster's Kubernetes client at rc, whatever the configuration says.
func KubeFor(rc *rest.Config) NewKubeFunc {
	return func(plugin.ClusterConfig) (plugin.KubeClient, error) { return kube.NewForConfig(rc) }
}

// Option changes a dependency of the process Build makes.
type Option func(*plugin.Deps)

// WithRetentionInterval sets how often the process prunes old captures.
func WithRetentionInterval(d time.Duration) Option {
	return func(deps *plugin.Deps) { deps.RetentionInterval = d }
}

// WithSweepInterval sets how often the process fails overdue captures.
func WithSweepInterval(d time.Duration) Option {
	return func(deps *plugin.Deps) { deps.SweepInterval = d }
}

// WithServer sets server configuration keys (grafana.ini's [plugin.seed-stackcapture-app],
// lower-case as there), over NewProcess's defaults.
func WithServer(keys map[string]string) Option {
	return func(deps *plugin.Deps) {
		base := deps.Environ
		deps.Environ = func() []string {
			env := map[string]string{}
			for _, kv := range base() {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			for k, v := range keys {
				env[envName(k)] = v
			}
			if clusters, ok := keys["clusters"]; ok && !slices.Contains(strings.Split(clusters, ","), "default") {
				delete(env, envName("cluster_default_namespaces")) // a default for a cluster no longer there
			}
			out := make([]string, 0, len(env))
			for k, v := range env {
				out = append(out, k+"="+v)
			}
			return out
		}
	}
}

func envName(key string) string { return "GF_PLUGIN_" + strings.ToUpper(key) }

// ServerEnv is the environment variable Grafana makes of a key of the plugin's ini section.
func ServerEnv(key, value string) string {
	return envName(key) + "=" + value
}

// movedToServer maps jsonData keys older tests pass that are now server keys.
func movedToServer() map[string]string {
	return map[string]string{
		"databasePath": "database_path", "perNodeLimit": "per_node_limit",
		"globalLimit": "global_limit", "maxDatabaseBytes": "max_database_bytes",
	}
}

// Process is a plugin process as Grafana runs it: one runtime, an instance per org.
type Process struct {
	Apps *plugin.Apps
}

// NewProcess makes a process whose server configuration allows every namespace of one
// cluster, "default", with no minimum cooldown and the database at dbPath; opts and
// WithServer change that. Close it (NewProcessT does it in Cleanup).
func NewProcess(newKube NewKubeFunc, dbPath string, opts ...Option) *Process {
	dir := filepath.Dir(dbPath)
	deps := plugin.Deps{
		Logger:  log.NewNullLogger(),
		DataDir: func() (string, error) { return dir, nil },
		NewKube: func(c plugin.ClusterConfig, _ plugin.ServerConfig) (plugin.KubeClient, error) { return newKube(c) },
		Environ: func() []string {
			return []string{ServerEnv("database_path", dbPath), ServerEnv("cluster_default_namespaces", "*"), ServerEnv("min_cooldown", "0s")}
		},
	}
	for _, o := range opts {
		o(&deps)
	}
	return &Process{Apps: plugin.NewApps(deps)}
}

// NewProcessT is NewProcess on a database in a fresh temp dir, closed in tb's Cleanup.
func NewProcessT(tb testing.TB, newKube NewKubeFunc, opts ...Option) *Process {
	tb.Helper()
	p := NewProcess(newKube, filepath.Join(tb.TempDir(), "captures.db"), opts...)
	tb.Cleanup(func() { p.Close(tb) })
	return p
}

// Close lets captures finish (for at most Guard) and closes the database.
func (p *Process) Close(tb testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), Guard)
	defer cancel()
	if err := p.Apps.Close(ctx); err != nil {
		tb.Errorf("close the plugin process: %v", err)
	}
}

// Instance builds org's instance from jsonData as Grafana does when the org's settings are
// saved: through the factory, with the org in the plugin context.
func (p *Process) Instance(org int64, jsonData map[string]any) (*plugin.App, error) {
	raw, err := json.Marshal(jsonData)
	if err != nil {
		return nil, fmt.Errorf("build app: encode settings: %w", err)
	}
	// OrgID is deprecated in favour of Namespace, but it is what Grafana 12.4 sets and the plugin reads.
	ctx := backend.WithPluginContext(context.Background(), backend.PluginContext{OrgID: org, PluginID: plugin.PluginID}) //nolint:staticcheck // see above
	inst, err := p.Apps.Factory()(ctx, backend.AppInstanceSettings{JSONData: raw, Updated: time.Now()})
	if err != nil {
		return nil, fmt.Errorf("build app: new instance: %w", err)
	}
	a, ok := inst.(*plugin.App)
	if !ok {
		return nil, fmt.Errorf("build app: the factory built a %T, want *plugin.App", inst)
	}
	return a, nil
}

// InstanceT is Instance for a test: it fails tb on error.
func (p *Process) InstanceT(tb testing.TB, org int64, jsonData map[string]any) *plugin.App {
	tb.Helper()
	a, err := p.Instance(org, jsonData)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// Build makes org 1's instance of a new process from jsonData, which must name the database
// file (databasePath). Keys that are now server settings (databasePath, perNodeLimit,
// globalLimit, maxDatabaseBytes) become the process's server configuration; the cluster
// allows every namespace and there is no minimum cooldown. The process is never closed: a
// child process killed mid-storm never closes it either.
func Build(newKube NewKubeFunc, jsonData map[string]any, opts ...Option) (*plugin.App, error) {
	p, org, err := build(newKube, jsonData, opts...)
	if err != nil {
		return nil, err
	}
	return p.Instance(1, org)
}

func build(newKube NewKubeFunc, jsonData map[string]any, opts ...Option) (*Process, map[string]any, error) {
	dbPath, _ := jsonData["databasePath"].(string)
	if dbPath == "" {
		return nil, nil, errors.New("build app: jsonData has no databasePath")
	}
	org := maps.Clone(jsonData)
	server := map[string]string{}
	for key, serverKey := range movedToServer() {
		if v, ok := org[key]; ok {
			server[serverKey] = fmt.Sprint(v)
			delete(org, key)
		}
	}
	return NewProcess(newKube, dbPath, append([]Option{WithServer(server)}, opts...)...), org, nil
}

// NewApp builds org 1's instance as Build does, on a database in a fresh temp dir unless
// jsonData names one, and closes its process in tb's Cleanup. jsonData may be nil and is not
// modified.
func NewApp(tb testing.TB, newKube NewKubeFunc, jsonData map[string]any, opts ...Option) *plugin.App {
	tb.Helper()
	settings := maps.Clone(jsonData)
	if settings == nil {
		settings = map[string]any{}
	}
	if _, ok := settings["databasePath"]; !ok {
		settings["databasePath"] = filepath.Join(tb.TempDir(), "captures.db")
	}
	p, org, err := build(newKube, settings, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close(tb) })
	return p.InstanceT(tb, 1, org)
}

// Response is what a resource call answered; Body joins every chunk sent.
type Response struct {
	Status  int
	Headers map[string][]string
	Body    []byte
}

// Do sends one resource call of org 1 as Grafana forwards it: path may carry a query, user
// arrives in the plugin context (nil for none).
func Do(ctx context.Context, a *plugin.App, method, path string, body []byte, user *backend.User) (Response, error) {
	return DoInOrg(ctx, a, 1, method, path, body, user)
}

// DoInOrg is Do for a caller of org.
func DoInOrg(ctx context.Context, a *plugin.App, org int64, method, path string, body []byte, user *backend.User) (Response, error) {
	var res Response
	err := StreamInOrg(ctx, a, org, method, path, body, user, backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
		if res.Status == 0 {
			res.Status, res.Headers = r.Status, r.Headers
		}
		res.Body = append(res.Body, r.Body...)
		return nil
	}))
	if err != nil {
		return Response{}, err
	}
	return res, nil
}

// StreamInOrg sends one resource call as DoInOrg does and hands each response message to
// sender as it comes, as Grafana's side of the stream sees them: for tests of how a response
// is sent, and for benchmarks that must not keep the body.
func StreamInOrg(ctx context.Context, a *plugin.App, org int64, method, path string, body []byte, user *backend.User, sender backend.CallResourceResponseSender) error {
	route, _, _ := strings.Cut(path, "?")
	req := &backend.CallResourceRequest{
		PluginContext: backend.PluginContext{OrgID: org, PluginID: plugin.PluginID, User: user}, //nolint:staticcheck // OrgID: what Grafana 12.4 sets
		Path:          strings.TrimPrefix(route, "/"),
		Method:        method,
		URL:           path,
		Headers:       map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"Grafana/12.4.0"}},
		Body:          body,
	}
	if err := a.CallResource(ctx, req, sender); err != nil {
		return fmt.Errorf("CallResource %s %s: %w", method, path, err)
	}
	return nil
}

// Call is Do for a test: it fails tb when the call itself fails, whatever the status.
func Call(tb testing.TB, a *plugin.App, method, path string, body []byte, user *backend.User) Response {
	tb.Helper()
	return CallInOrg(tb, a, 1, method, path, body, user)
}

// CallInOrg is Call for a caller of org.
func CallInOrg(tb testing.TB, a *plugin.App, org int64, method, path string, body []byte, user *backend.User) Response {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), Guard)
	defer cancel()
	res, err := DoInOrg(ctx, a, org, method, path, body, user)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// Decode unmarshals a response body into T, failing tb with the status and body when it cannot.
func Decode[T any](tb testing.TB, r Response) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		tb.Fatalf("decode %d response %q: %v", r.Status, r.Body, err)
	}
	return v
}

// Get sends GET path as user and decodes the answer, failing tb unless it is 200 OK.
func Get[T any](tb testing.TB, a *plugin.App, path string, user *backend.User) T {
	tb.Helper()
	r := Call(tb, a, http.MethodGet, path, nil, user)
	if r.Status != http.StatusOK {
		tb.Fatalf("GET %s: %d %.300s", path, r.Status, r.Body)
	}
	return Decode[T](tb, r)
}

// WaitFinished polls GET /captures/{id} until the capture is no longer queued or running.
func WaitFinished(tb testing.TB, a *plugin.App, id int64) plugin.CaptureDetail {
	tb.Helper()
	return WaitFinishedInOrg(tb, a, 1, id)
}

// WaitFinishedInOrg is WaitFinished for a capture of org.
func WaitFinishedInOrg(tb testing.TB, a *plugin.App, org, id int64) plugin.CaptureDetail {
	tb.Helper()
	deadline := time.Now().Add(Guard)
	for {
		r := CallInOrg(tb, a, org, http.MethodGet, fmt.Sprintf("/captures/%d", id), nil, Viewer)
		if r.Status != http.StatusOK {
			tb.Fatalf("GET /captures/%d in org %d: %d %.300s", id, org, r.Status, r.Body)
		}
		d := Decode[plugin.CaptureDetail](tb, r)
		if d.Status != "queued" && d.Status != "running" {
			return d
		}
		if time.Now().After(deadline) {
			tb.Fatalf("capture %d still %s after %s", id, d.Status, Guard)
		}
		time.Sleep(pollEvery)
	}
}

// WaitIdle polls the list until no capture is queued or running, for at most Guard. It returns
// an error rather than failing a test so that a child process without one can use it.
func WaitIdle(ctx context.Context, a *plugin.App) error {
	ctx, cancel := context.WithTimeout(ctx, Guard)
	defer cancel()
	for {
		busy := false
		for _, status := range []string{"queued", "running"} {
			r, err := Do(ctx, a, http.MethodGet, "/captures?limit=1&status="+status, nil, Viewer)
			if err != nil {
				return err
			}
			var list plugin.ListResponse
			if r.Status != http.StatusOK || json.Unmarshal(r.Body, &list) != nil {
				return fmt.Errorf("list %s: %d %.300s", status, r.Status, r.Body)
			}
			busy = busy || len(list.Captures) > 0
		}
		if !busy {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("captures still queued or running: %w", ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}
