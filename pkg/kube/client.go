// Package kube is the plugin's only door to Kubernetes: it reads pods, execs
// into containers, reads container logs and asks the API server what the
// plugin's identity may do. Errors are classified into the sentinels in
// errors.go so callers can explain failures to users.
package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/version"
	authorizationv1client "k8s.io/client-go/kubernetes/typed/authorization/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	certutil "k8s.io/client-go/util/cert"
)

// ExecTransport selects how Exec talks to the API server.
type ExecTransport string

const (
	// ExecTransportFallback tries WebSocket first and falls back to SPDY when
	// the server (or a proxy in between) refuses the WebSocket upgrade. This is
	// what kubectl does and the default.
	ExecTransportFallback ExecTransport = ""
	// ExecTransportWebSocket uses only the WebSocket executor.
	ExecTransportWebSocket ExecTransport = "websocket"
	// ExecTransportSPDY uses only the legacy SPDY executor.
	ExecTransportSPDY ExecTransport = "spdy"
)

// DefaultRequestTimeout bounds non-streaming API calls (get pod, access
// reviews, version) when the caller's context has no earlier deadline.
// Streaming calls (exec, logs) are bounded only by the caller's context.
const DefaultRequestTimeout = 30 * time.Second

// Config says how to reach the API server.
type Config struct {
	// Kubeconfig is the path to a kubeconfig file. Empty means in-cluster
	// (the pod's service account).
	Kubeconfig string
	// Context is the kubeconfig context to use; empty means current-context.
	Context string
	// In-cluster (Kubeconfig empty): the mounted service-account token and CA, and the API
	// server. Grafana 12.4+ starts plugins without the host's environment, so
	// KUBERNETES_SERVICE_HOST/PORT cannot be relied on: the caller says where the server is.
	// Empty fields take the defaults below.
	TokenFile string
	CAFile    string
	APIServer string
	// AllowExecCredentials lets a kubeconfig user run an exec credential plugin (a command
	// on the Grafana host); refused unless set.
	AllowExecCredentials bool
	// QPS and Burst are client-side rate limits; zero keeps client-go's defaults.
	QPS   float32
	Burst int
	// UserAgent is sent with every request; empty keeps client-go's default.
	UserAgent string
	// ExecTransport forces a transport for Exec; empty means WebSocket with
	// SPDY fallback.
	ExecTransport ExecTransport
}

// Client talks to one Kubernetes API server. It is safe for concurrent use.
// It holds only the core and authorization clients: the full clientset links every API
// group's client and apply configurations, which cost 12 MB of binary and about 15 MB of
// the plugin's idle RSS (bench/BenchmarkPluginIdleRSS).
type Client struct {
	restConfig *rest.Config // no Timeout: used for exec
	core       corev1client.CoreV1Interface
	authz      authorizationv1client.AuthorizationV1Interface
	streaming  corev1client.CoreV1Interface // no Timeout: used for exec and log streams
	transport  ExecTransport
}

// The service-account files every pod gets, and the API server's in-cluster name.
const (
	DefaultTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"
	DefaultCAFile    = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
	DefaultAPIServer = "https://kubernetes.default.svc"
)

// New builds a Client from cfg: in-cluster when cfg.Kubeconfig is empty,
// otherwise from the kubeconfig file and context.
func New(cfg Config) (*Client, error) {
	var rc *rest.Config
	if cfg.Kubeconfig == "" {
		c, err := InClusterConfig(cfg.TokenFile, cfg.CAFile, cfg.APIServer)
		if err != nil {
			return nil, err
		}
		rc = c
	} else {
		loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
			&clientcmd.ClientConfigLoadingRules{ExplicitPath: cfg.Kubeconfig},
			&clientcmd.ConfigOverrides{CurrentContext: cfg.Context},
		)
		c, err := loader.ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("load kubeconfig %q (context %q): %w", cfg.Kubeconfig, cfg.Context, err)
		}
		if !cfg.AllowExecCredentials {
			// Checked on the file, not on c: client-go leaves ExecProvider out of c for a
			// plain-http server, yet would run the command once the server is https.
			if command, err := execCredentialCommand(loader, cfg.Context); err != nil {
				return nil, fmt.Errorf("load kubeconfig %q (context %q): %w", cfg.Kubeconfig, cfg.Context, err)
			} else if command != "" {
				return nil, fmt.Errorf("kubeconfig %q (context %q): its user runs the exec credential plugin %q, a command on the Grafana host; "+
					"refused unless the server admin sets allow_exec_credentials = true: %w", cfg.Kubeconfig, cfg.Context, command, ErrExecCredentialRefused)
			}
		}
		rc = c
	}
	if cfg.QPS > 0 {
		rc.QPS = cfg.QPS
	}
	if cfg.Burst > 0 {
		rc.Burst = cfg.Burst
	}
	if cfg.UserAgent != "" {
		rc.UserAgent = cfg.UserAgent
	}
	return newClient(rc, cfg.ExecTransport)
}

// ErrExecCredentialRefused is returned by New for a kubeconfig whose user runs an exec
// credential plugin while Config.AllowExecCredentials is false.
var ErrExecCredentialRefused = errors.New("exec credential plugins are not allowed")

// execCredentialCommand is the exec credential plugin the context's user runs, or "".
func execCredentialCommand(loader clientcmd.ClientConfig, context string) (string, error) {
	raw, err := loader.RawConfig()
	if err != nil {
		return "", err
	}
	if context == "" {
		context = raw.CurrentContext
	}
	ctx, ok := raw.Contexts[context]
	if !ok {
		return "", fmt.Errorf("no context %q", context)
	}
	if user, ok := raw.AuthInfos[ctx.AuthInfo]; ok && user.Exec != nil {
		return user.Exec.Command, nil
	}
	return "", nil
}

// InClusterConfig is rest.InClusterConfig without its environment variables: the token and
// CA come from files (defaults: the mounted service account), the server from apiServer
// (default https://kubernetes.default.svc). The token file is re-read as the kubelet rotates
// it (client-go's BearerTokenFile).
func InClusterConfig(tokenFile, caFile, apiServer string) (*rest.Config, error) {
	if tokenFile == "" {
		tokenFile = DefaultTokenFile
	}
	if caFile == "" {
		caFile = DefaultCAFile
	}
	if apiServer == "" {
		apiServer = DefaultAPIServer
	}
	token, err := os.ReadFile(tokenFile)
	if err != nil {
		return nil, fmt.Errorf("in-cluster kubernetes config: read the service-account token: %w "+
			"(run Grafana in a pod with a mounted service account, or give the cluster a kubeconfig)", err)
	}
	if strings.TrimSpace(string(token)) == "" {
		return nil, fmt.Errorf("in-cluster kubernetes config: the service-account token %s is empty", tokenFile)
	}
	if _, err := certutil.NewPool(caFile); err != nil {
		return nil, fmt.Errorf("in-cluster kubernetes config: the cluster CA: %w", err)
	}
	return &rest.Config{
		Host:            apiServer,
		TLSClientConfig: rest.TLSClientConfig{CAFile: caFile},
		BearerTokenFile: tokenFile,
	}, nil
}

// NewForConfig builds a Client from an existing rest.Config (tests use the one
// from kubetest.Server.RESTConfig). The config is copied, not retained.
func NewForConfig(rc *rest.Config) (*Client, error) {
	return NewForConfigWithTransport(rc, ExecTransportFallback)
}

// NewForConfigWithTransport is NewForConfig with a forced exec transport.
func NewForConfigWithTransport(rc *rest.Config, transport ExecTransport) (*Client, error) {
	if rc == nil {
		return nil, errors.New("kube: nil rest config")
	}
	return newClient(rest.CopyConfig(rc), transport)
}

func newClient(rc *rest.Config, transport ExecTransport) (*Client, error) {
	switch transport {
	case ExecTransportFallback, ExecTransportWebSocket, ExecTransportSPDY:
	default:
		return nil, fmt.Errorf("kube: unknown exec transport %q (want %q, %q or empty for fallback)", transport, ExecTransportWebSocket, ExecTransportSPDY)
	}
	streamCfg := rest.CopyConfig(rc)
	streamCfg.Timeout = 0
	apiCfg := rest.CopyConfig(rc)
	if apiCfg.Timeout == 0 {
		apiCfg.Timeout = DefaultRequestTimeout
	}
	core, err := corev1client.NewForConfig(apiCfg)
	if err != nil {
		return nil, fmt.Errorf("kube: build core client: %w", err)
	}
	authz, err := authorizationv1client.NewForConfig(apiCfg)
	if err != nil {
		return nil, fmt.Errorf("kube: build authorization client: %w", err)
	}
	streaming, err := corev1client.NewForConfig(streamCfg)
	if err != nil {
		return nil, fmt.Errorf("kube: build streaming client: %w", err)
	}
	return &Client{restConfig: streamCfg, core: core, authz: authz, streaming: streaming, transport: transport}, nil
}

// ServerVersion returns the API server's gitVersion (e.g. "v1.36.1"). It is
// the cheapest authenticated round trip, used by the health check.
func (c *Client) ServerVersion(ctx context.Context) (string, error) {
	raw, err := c.core.RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return "", fmt.Errorf("kubernetes server version: %w", err)
	}
	var info version.Info
	if err := json.Unmarshal(raw, &info); err != nil {
		return "", fmt.Errorf("kubernetes server version: decode /version: %w", err)
	}
	if info.GitVersion == "" {
		return "", errors.New("kubernetes server version: /version has no gitVersion")
	}
	return info.GitVersion, nil
}
