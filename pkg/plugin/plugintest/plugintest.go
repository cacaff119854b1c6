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

// NewKubeFunc builds the instance's Kubernetes client from its settings, as plugin.Deps.NewKube.
type NewKubeFunc = func(plugin.Settings) (plugin.KubeClient, error)

// KubeFor points the instance's Kubernetes client at rc, whatever the settings say.
func KubeFor(rc *rest.Config) NewKubeFunc {
	return func(plugin.Settings) (plugin.KubeClient, error) { return kube.NewForConfig(rc) }
}

// Option changes a dependency of the instance Build makes.
type Option func(*plugin.Deps)

// WithRetentionInterval sets how often the instance prunes old captures.
func WithRetentionInterval(d time.Duration) Option {
	return func(deps *plugin.Deps) { deps.RetentionInterval = d }
}

// Build makes an instance through plugin.NewAppFactory from jsonData, which must name the
// database file (databasePath); Grafana's data directory is that file's directory. The caller
// disposes of the instance: a process killed mid-storm never does.
func Build(newKube NewKubeFunc, jsonData map[string]any, opts ...Option) (*plugin.App, error) {
	dbPath, _ := jsonData["databasePath"].(string)
	if dbPath == "" {
		return nil, errors.New("build app: jsonData has no databasePath")
	}
	raw, err := json.Marshal(jsonData)
	if err != nil {
		return nil, fmt.Errorf("build app: encode settings: %w", err)
	}
	dir := filepath.Dir(dbPath)
	deps := plugin.Deps{
		Logger:  log.NewNullLogger(),
		DataDir: func() (string, error) { return dir, nil },
		NewKube: newKube,
	}
	for _, o := range opts {
		o(&deps)
	}
	inst, err := plugin.NewAppFactory(deps)(context.Background(), backend.AppInstanceSettings{JSONData: raw, Updated: time.Now()})
	if err != nil {
		return nil, fmt.Errorf("build app: new instance: %w", err)
	}
	a, ok := inst.(*plugin.App)
	if !ok {
		return nil, fmt.Errorf("build app: the factory built a %T, want *plugin.App", inst)
	}
	return a, nil
}

// NewApp builds an instance as Build does, on a database in a fresh temp dir unless jsonData
// names one, and disposes of it in tb's Cleanup. jsonData may be nil and is not modified.
func NewApp(tb testing.TB, newKube NewKubeFunc, jsonData map[string]any, opts ...Option) *plugin.App {
	tb.Helper()
	settings := maps.Clone(jsonData)
	if settings == nil {
		settings = map[string]any{}
	}
	if _, ok := settings["databasePath"]; !ok {
		settings["databasePath"] = filepath.Join(tb.TempDir(), "captures.db")
	}
	a, err := Build(newKube, settings, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(a.Dispose)
	return a
}

// Response is what a resource call answered; Body joins every chunk sent.
type Response struct {
	Status  int
	Headers map[string][]string
	Body    []byte
}

// Do sends one resource call as Grafana forwards it: path may carry a query, user arrives in
// the plugin context (nil for none).
func Do(ctx context.Context, a *plugin.App, method, path string, body []byte, user *backend.User) (Response, error) {
	route, _, _ := strings.Cut(path, "?")
	req := &backend.CallResourceRequest{
		PluginContext: backend.PluginContext{OrgID: 1, PluginID: plugin.PluginID, User: user},
		Path:          strings.TrimPrefix(route, "/"),
		Method:        method,
		URL:           path,
		Headers:       map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"Grafana/12.4.0"}},
		Body:          body,
	}
	var res Response
	err := a.CallResource(ctx, req, backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
		if res.Status == 0 {
			res.Status, res.Headers = r.Status, r.Headers
		}
		res.Body = append(res.Body, r.Body...)
		return nil
	}))
	if err != nil {
		return Response{}, fmt.Errorf("CallResource %s %s: %w", method, path, err)
	}
	return res, nil
}

// Call is Do for a test: it fails tb when the call itself fails, whatever the status.
func Call(tb testing.TB, a *plugin.App, method, path string, body []byte, user *backend.User) Response {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), Guard)
	defer cancel()
	res, err := Do(ctx, a, method, path, body, user)
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
	deadline := time.Now().Add(Guard)
	for {
		d := Get[plugin.CaptureDetail](tb, a, fmt.Sprintf("/captures/%d", id), Viewer)
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
