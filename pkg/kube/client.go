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

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/version"
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
// It speaks to the two API groups it uses through REST clients of its own (below), with a
// scheme of just those groups: client-go's typed clients, even core/v1 alone, register every
// API group's types (k8s.io/client-go/kubernetes/scheme) and link their apply
// configurations and the OpenAPI models: 16 MB of binary (57 → 41 MB) and about 14 MB of the
// plugin's idle RSS (49 → 34 MB), nearly all of it the binary's own pages that start-up touches
// (bench/BenchmarkPluginIdleRSS). deps_test.go keeps them out.
type Client struct {
	restConfig *rest.Config // no Timeout: used for exec
	core       coreClient
	authz      authorizationClient
	streaming  coreClient // no Timeout: used for exec and log streams
	params     runtime.ParameterCodec
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
	sch := runtime.NewScheme()
	if err := corev1.AddToScheme(sch); err != nil {
		return nil, fmt.Errorf("kube: scheme: %w", err)
	}
	if err := authorizationv1.AddToScheme(sch); err != nil {
		return nil, fmt.Errorf("kube: scheme: %w", err)
	}
	// Status, the options types and the watch event in the unversioned core group, as the
	// API server sends and expects them.
	metav1.AddToGroupVersion(sch, schema.GroupVersion{Version: "v1"})
	codecs := serializer.NewCodecFactory(sch)
	params := runtime.NewParameterCodec(sch)
	core, err := restClientFor(apiCfg, corev1.SchemeGroupVersion, "/api", codecs)
	if err != nil {
		return nil, fmt.Errorf("kube: build core client: %w", err)
	}
	authz, err := restClientFor(apiCfg, authorizationv1.SchemeGroupVersion, "/apis", codecs)
	if err != nil {
		return nil, fmt.Errorf("kube: build authorization client: %w", err)
	}
	streaming, err := restClientFor(streamCfg, corev1.SchemeGroupVersion, "/api", codecs)
	if err != nil {
		return nil, fmt.Errorf("kube: build streaming client: %w", err)
	}
	return &Client{
		restConfig: streamCfg,
		core:       coreClient{rest: core, params: params},
		authz:      authorizationClient{rest: authz, params: params},
		streaming:  coreClient{rest: streaming, params: params},
		params:     params,
		transport:  transport,
	}, nil
}

// restClientFor is a REST client for one API group version, set up as client-go's typed
// clients set up theirs: JSON, the caller's user agent or client-go's.
func restClientFor(rc *rest.Config, gv schema.GroupVersion, apiPath string, codecs serializer.CodecFactory) (*rest.RESTClient, error) {
	cfg := rest.CopyConfig(rc)
	cfg.GroupVersion = &gv
	cfg.APIPath = apiPath
	cfg.NegotiatedSerializer = codecs.WithoutConversion()
	if cfg.UserAgent == "" {
		cfg.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	return rest.RESTClientFor(cfg)
}

// coreClient is the part of the core/v1 API the plugin calls, shaped like client-go's typed
// client (c.core.Pods(ns).Get(...)) so the code calling it reads the same.
type coreClient struct {
	rest   *rest.RESTClient
	params runtime.ParameterCodec
}

// RESTClient is the client for requests the methods below do not cover (exec, proxy, /version).
func (c coreClient) RESTClient() rest.Interface { return c.rest }

func (c coreClient) Pods(namespace string) podClient {
	return podClient{rest: c.rest, params: c.params, namespace: namespace}
}

func (c coreClient) Events(namespace string) eventClient {
	return eventClient{rest: c.rest, params: c.params, namespace: namespace}
}

type podClient struct {
	rest      *rest.RESTClient
	params    runtime.ParameterCodec
	namespace string
}

// Get reads one pod.
func (c podClient) Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.Pod, error) {
	pod := &corev1.Pod{}
	err := c.rest.Get().Namespace(c.namespace).Resource("pods").Name(name).
		VersionedParams(&opts, c.params).Do(ctx).Into(pod)
	if err != nil {
		return nil, err
	}
	return pod, nil
}

// GetLogs is the request for a container's log; the caller streams it.
func (c podClient) GetLogs(name string, opts *corev1.PodLogOptions) *rest.Request {
	return c.rest.Get().Namespace(c.namespace).Resource("pods").Name(name).SubResource("log").
		VersionedParams(opts, c.params)
}

type eventClient struct {
	rest      *rest.RESTClient
	params    runtime.ParameterCodec
	namespace string
}

// List lists the namespace's events that match opts.
func (c eventClient) List(ctx context.Context, opts metav1.ListOptions) (*corev1.EventList, error) {
	req := c.rest.Get().Namespace(c.namespace).Resource("events").VersionedParams(&opts, c.params)
	if opts.TimeoutSeconds != nil {
		req = req.Timeout(time.Duration(*opts.TimeoutSeconds) * time.Second)
	}
	list := &corev1.EventList{}
	if err := req.Do(ctx).Into(list); err != nil {
		return nil, err
	}
	return list, nil
}

// authorizationClient is the part of the authorization.k8s.io/v1 API the plugin calls.
type authorizationClient struct {
	rest   *rest.RESTClient
	params runtime.ParameterCodec
}

func (c authorizationClient) SelfSubjectAccessReviews() selfSubjectAccessReviewClient {
	return selfSubjectAccessReviewClient(c)
}

type selfSubjectAccessReviewClient struct {
	rest   *rest.RESTClient
	params runtime.ParameterCodec
}

// Create asks the API server what the client's own identity may do.
func (c selfSubjectAccessReviewClient) Create(ctx context.Context, review *authorizationv1.SelfSubjectAccessReview, opts metav1.CreateOptions) (*authorizationv1.SelfSubjectAccessReview, error) {
	res := &authorizationv1.SelfSubjectAccessReview{}
	err := c.rest.Post().Resource("selfsubjectaccessreviews").VersionedParams(&opts, c.params).
		Body(review).Do(ctx).Into(res)
	if err != nil {
		return nil, err
	}
	return res, nil
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
