// Package plugin is the Grafana glue: the process runtime, the per-org app instance, its
// settings, resource routes, who may call them, and the health check.
package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"

	"github.com/seed/stackcapture/pkg/capture"
	"github.com/seed/stackcapture/pkg/kube"
)

// Deps are the outside parts the process is built from; tests put in-process ones in their place.
type Deps struct {
	Logger  log.Logger
	DataDir dataDirFunc
	// Environ is the process environment, where Grafana puts the server configuration
	// (default os.Environ).
	Environ func() []string
	// NewKube builds one cluster's Kubernetes client from the server configuration.
	NewKube func(ClusterConfig, ServerConfig) (KubeClient, error)
	// RetentionInterval is how often old captures are pruned (default 10m).
	RetentionInterval time.Duration
	// SweepInterval is how often overdue captures are failed (default 1m).
	SweepInterval time.Duration
	// Registerer is where the plugin's metrics are registered (default
	// prometheus.DefaultRegisterer, which the SDK serves as the plugin's metrics).
	Registerer prometheus.Registerer
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
		NewKube: func(c ClusterConfig, s ServerConfig) (KubeClient, error) {
			return kube.New(kubeConfig(c, s))
		},
		RetentionInterval: 10 * time.Minute,
		SweepInterval:     time.Minute,
	}
}

// kubeConfig sizes the client's rate limit to the capture limits. Each capture makes about
// three requests (pod, exec, maybe log); client-go's default of 5 per second would leave a
// storm's captures waiting behind the limiter until captureTimeout, failing them all.
func kubeConfig(c ClusterConfig, s ServerConfig) kube.Config {
	return kube.Config{
		Kubeconfig:           c.Kubeconfig,
		Context:              c.Context,
		TokenFile:            c.TokenFile,
		CAFile:               c.CAFile,
		APIServer:            c.APIServer,
		AllowExecCredentials: s.AllowExecCredentials,
		UserAgent:            PluginID,
		QPS:                  float32(max(20, 3*s.GlobalLimit)),
		Burst:                max(40, 6*s.GlobalLimit),
	}
}

// App is one org's instance: its settings and a handle on the process runtime.
type App struct {
	backend.CallResourceHandler
	log      log.Logger
	rt       *runtime
	settings Settings
	saved    time.Time // when these settings were saved
	// broken is why the instance cannot serve (server configuration or database, or this
	// org's settings); routes answer 503 with it and the health check shows it.
	broken error
}

var (
	_ instancemgmt.InstanceDisposer = (*App)(nil)
	_ backend.CheckHealthHandler    = (*App)(nil)
)

func newApp(ctx context.Context, is backend.AppInstanceSettings, rt *runtime, logger log.Logger) *App {
	a := &App{log: logger, rt: rt, saved: is.Updated}
	a.CallResourceHandler = httpadapter.New(a.routes())
	if rt.broken != nil {
		a.broken = rt.broken
		return a
	}
	settings, err := ParseSettings(is.JSONData)
	if err != nil {
		a.broken = fmt.Errorf("invalid app settings: %w", err)
		return a
	}
	a.settings = settings
	if len(settings.Ignored) > 0 {
		a.log.Warn("app settings carry keys that are now server settings; they are ignored", "keys", settings.Ignored)
	}
	rt.orgSettings(orgOfContext(ctx), settings, is.Updated)
	return a
}

// Dispose is called by Grafana when the org's settings change or the plugin stops. Captures
// and the database belong to the process, not to the instance: captures in flight finish
// under the settings they started with, and an old instance still answers.
func (a *App) Dispose() {}

// unavailableKube fails every call with the reason the client could not be built.
type unavailableKube struct{ err error }

func (u unavailableKube) Pod(context.Context, string, string) (*kube.PodInfo, error) {
	return nil, fmt.Errorf("kubernetes client unavailable: %w", u.err)
}

func (u unavailableKube) Exec(context.Context, kube.ExecRequest) error {
	return fmt.Errorf("kubernetes client unavailable: %w", u.err)
}

func (u unavailableKube) Logs(context.Context, string, string, string, time.Time, int64) (io.ReadCloser, error) {
	return nil, fmt.Errorf("kubernetes client unavailable: %w", u.err)
}

func (u unavailableKube) ProxyGet(context.Context, kube.ProxyRequest) (*kube.ProxyResponse, error) {
	return nil, fmt.Errorf("kubernetes client unavailable: %w", u.err)
}

func (u unavailableKube) PodObject(context.Context, string, string) (*corev1.Pod, error) {
	return nil, fmt.Errorf("kubernetes client unavailable: %w", u.err)
}

func (u unavailableKube) PodEvents(context.Context, string, string, int64) (*corev1.EventList, error) {
	return nil, fmt.Errorf("kubernetes client unavailable: %w", u.err)
}

func (u unavailableKube) ContainerLog(context.Context, string, string, kube.LogOptions) (io.ReadCloser, error) {
	return nil, fmt.Errorf("kubernetes client unavailable: %w", u.err)
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
