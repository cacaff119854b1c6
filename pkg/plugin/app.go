// Package plugin is the Grafana glue: the app instance, its settings, resource routes,
// who may call them, and the health check.
package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/app"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/seed/stackcapture/pkg/capture"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/store"
)

// Deps are the outside parts an instance is built from; tests put in-process ones in their place.
type Deps struct {
	Logger  log.Logger
	DataDir dataDirFunc
	// NewKube builds the Kubernetes client from the settings.
	NewKube func(Settings) (KubeClient, error)
	// RetentionInterval is how often old captures are pruned (default 10m).
	RetentionInterval time.Duration
}

// KubeClient is what the instance needs of Kubernetes: captures, and the health check's questions.
type KubeClient interface {
	capture.Kube
	ServerVersion(ctx context.Context) (string, error)
	CanI(ctx context.Context, namespace, verb, resource, subresource string) (allowed bool, reason string, err error)
}

// DefaultDeps are the parts used inside Grafana.
func DefaultDeps() Deps {
	return Deps{
		Logger:  log.DefaultLogger,
		DataDir: GrafanaDataDir,
		NewKube: func(s Settings) (KubeClient, error) {
			return kube.New(kubeConfig(s))
		},
		RetentionInterval: 10 * time.Minute,
	}
}

// kubeConfig sizes the client's rate limit to the capture limits. Each capture makes about
// three requests (pod, exec, maybe log); client-go's default of 5 per second would leave a
// storm's captures waiting behind the limiter until captureTimeout, failing them all.
func kubeConfig(s Settings) kube.Config {
	return kube.Config{
		Kubeconfig: s.Kubeconfig,
		Context:    s.KubeContext,
		UserAgent:  PluginID,
		QPS:        float32(max(20, 3*s.GlobalLimit)),
		Burst:      max(40, 6*s.GlobalLimit),
	}
}

// NewAppFactory returns the instance factory for app.Manage. Instances are rebuilt whenever the
// settings change, so what must happen once per process (failing the captures a crash left
// running) lives in the factory, not in the instances.
func NewAppFactory(deps Deps) app.InstanceFactoryFunc {
	var recovered sync.Map // database path → struct{}: crash recovery done for that file
	return func(ctx context.Context, settings backend.AppInstanceSettings) (instancemgmt.Instance, error) {
		return newApp(ctx, settings, deps, &recovered), nil
	}
}

// App is one instance of the app, for one org's settings.
type App struct {
	backend.CallResourceHandler
	log      log.Logger
	settings Settings
	// broken is why the instance cannot serve (invalid settings, database not openable);
	// routes answer 503 with it and the health check shows it.
	broken  error
	kube    KubeClient
	kubeErr error
	store   *store.Store
	manager *capture.Manager
	stop    context.CancelFunc
	done    chan struct{}
}

var (
	_ instancemgmt.InstanceDisposer = (*App)(nil)
	_ backend.CheckHealthHandler    = (*App)(nil)
)

func newApp(ctx context.Context, is backend.AppInstanceSettings, deps Deps, recovered *sync.Map) *App {
	a := &App{log: deps.Logger, done: make(chan struct{})}
	a.CallResourceHandler = httpadapter.New(a.routes())
	settings, err := ParseSettings(is.JSONData, deps.DataDir)
	if err != nil {
		a.broken = fmt.Errorf("invalid app settings: %w", err)
		close(a.done)
		return a
	}
	a.settings = settings

	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := store.Open(openCtx, settings.DatabasePath, store.Options{})
	if err != nil {
		a.broken = fmt.Errorf("open the capture database %s: %w", settings.DatabasePath, err)
		close(a.done)
		return a
	}
	a.store = st
	if _, done := recovered.LoadOrStore(settings.DatabasePath, struct{}{}); !done {
		n, err := st.RecoverInterrupted(openCtx, time.Now())
		if err != nil {
			a.log.Error("fail captures interrupted by a restart", "error", err)
		} else if n > 0 {
			a.log.Warn("captures interrupted by a restart marked failed", "count", n)
		}
	}

	a.kube, a.kubeErr = deps.NewKube(settings)
	var k capture.Kube = a.kube
	if a.kubeErr != nil {
		// Captures still get recorded, each failing with this reason, so the cause is visible
		// where people look for captures and not only in Grafana's server log.
		a.log.Error("Kubernetes client", "error", a.kubeErr)
		k = unavailableKube{err: a.kubeErr}
	}
	a.manager = capture.New(capture.Config{
		SampleWindow:      settings.SampleWindow,
		TopThreads:        settings.TopThreads,
		Cooldown:          settings.Cooldown,
		PerNodeLimit:      settings.PerNodeLimit,
		GlobalLimit:       settings.GlobalLimit,
		CaptureTimeout:    settings.CaptureTimeout,
		MaxOutputBytes:    settings.MaxOutputBytes,
		AllowedNamespaces: settings.AllowedNamespaces,
		DeniedNamespaces:  settings.DeniedNamespaces,
	}, k, st, a.log)
	if err := a.manager.RestoreCooldown(openCtx); err != nil {
		a.log.Warn("cooldown starts empty", "error", err)
	}

	bg, stop := context.WithCancel(context.Background())
	a.stop = stop
	interval := deps.RetentionInterval
	if interval <= 0 {
		interval = 10 * time.Minute
	}
	go func() {
		defer close(a.done)
		st.RunRetention(bg, interval, settings.Retention, settings.MaxDatabaseBytes, func(err error) {
			a.log.Error("capture retention", "error", err)
		})
	}()
	return a
}

// Dispose stops the instance's captures and closes its database; Grafana calls it when the
// settings change or the plugin stops.
func (a *App) Dispose() {
	if a.manager != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		if err := a.manager.Close(ctx); err != nil {
			a.log.Warn("captures still running at dispose", "error", err)
		}
		cancel()
	}
	if a.stop != nil {
		a.stop()
	}
	<-a.done
	if a.store != nil {
		if err := a.store.Close(); err != nil {
			a.log.Warn("close capture database", "error", err)
		}
	}
}

// unavailableKube fails every call with the reason the client could not be built.
type unavailableKube struct{ err error }

func (u unavailableKube) Pod(context.Context, string, string) (*kube.PodInfo, error) {
	return nil, fmt.Errorf("Kubernetes client unavailable: %w", u.err)
}

func (u unavailableKube) Exec(context.Context, kube.ExecRequest) error {
	return fmt.Errorf("Kubernetes client unavailable: %w", u.err)
}

func (u unavailableKube) Logs(context.Context, string, string, string, time.Time, int64) (io.ReadCloser, error) {
	return nil, fmt.Errorf("Kubernetes client unavailable: %w", u.err)
}

// serviceUnavailable answers 503 with why the instance cannot serve.
func (a *App) serviceUnavailable(w http.ResponseWriter) bool {
	if a.broken == nil {
		return false
	}
	http.Error(w, a.broken.Error(), http.StatusServiceUnavailable)
	return true
}

var errNoUser = errors.New("no Grafana user in the request")
