package plugin

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/seed/stackcapture/pkg/jvmheap"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/settingspec"
)

// Server configuration is the Grafana server admin's, not an org's: which clusters exist and
// how to reach each, where the database lives, the namespace ceiling, whether kubeconfig exec
// credential plugins may run, and the capture limits. It comes from grafana.ini's
// [plugin.seed-stackcapture-app] section, which Grafana hands to the plugin process as
// environment variables GF_PLUGIN_<KEY uppercased> (grafana pkg/plugins/envvars:
// getPluginSettings(p.ID, cfg).asEnvVar("GF_PLUGIN", hostEnv)). asEnvVar lets a GF_PLUGIN_<KEY>
// variable in Grafana's own environment override the value of a key the section sets; a key
// the section does not set never reaches the plugin, whatever Grafana's environment holds.
// Org Admins write jsonData only, which can narrow this, never widen it.

// serverEnvPrefix starts the environment variables Grafana makes of the plugin's ini section.
const serverEnvPrefix = "GF_PLUGIN_"

// ServerConfig is the server admin's configuration, with defaults applied and checked.
type ServerConfig struct {
	DatabasePath         string
	Clusters             []ClusterConfig // in the order of the clusters key
	AllowExecCredentials bool
	// AllowKubeletPprof lets node alerts fetch the kubelet's profiles through nodes/proxy, a
	// grant the server admin gives separately (deploy/kubernetes/kubelet-pprof.yaml).
	AllowKubeletPprof bool
	// HeapHistogram is how a memory capture takes a JVM's class histogram, and
	// HeapHistogramMaxBytes the used heap above which it takes none: the heap walk pauses the
	// workload, so the server admin decides.
	HeapHistogram         jvmheap.HistogramMode
	HeapHistogramMaxBytes int64
	PerNodeLimit          int           // captures running at once on one node, per cluster
	GlobalLimit           int           // captures running at once in one cluster
	MaxDatabaseBytes      int64         // above this the oldest captures of any org are deleted
	MinCooldown           time.Duration // the shortest cooldown an org may set
	// OutputBudgetBytes bounds the capture output the process holds at once, every cluster
	// and org together: each capture reserves its maxOutputBytes per container of it.
	OutputBudgetBytes int64
}

// ClusterConfig says how to reach one cluster and which namespaces may ever be captured there.
type ClusterConfig struct {
	Name       string
	Kubeconfig string // empty: in-cluster service account
	Context    string
	// Namespaces is the ceiling: AllNamespaces, or only these; neither denies every namespace.
	Namespaces    []string
	AllNamespaces bool
	TokenFile     string
	CAFile        string
	APIServer     string
}

// Cluster returns the named cluster's configuration.
func (c ServerConfig) Cluster(name string) (ClusterConfig, bool) {
	for _, cl := range c.Clusters {
		if cl.Name == name {
			return cl, true
		}
	}
	return ClusterConfig{}, false
}

// ClusterNames lists the configured clusters in order.
func (c ServerConfig) ClusterNames() []string {
	names := make([]string, len(c.Clusters))
	for i, cl := range c.Clusters {
		names[i] = cl.Name
	}
	return names
}

// AllowsNamespace says whether the server lets any org capture in ns on this cluster.
func (c ClusterConfig) AllowsNamespace(ns string) bool {
	return c.AllNamespaces || slices.Contains(c.Namespaces, ns)
}

// describeCeiling names the namespaces the server allows, for reasons.
func (c ClusterConfig) describeCeiling() string {
	switch {
	case c.AllNamespaces:
		return "every namespace"
	case len(c.Namespaces) == 0:
		return "no namespace (cluster_" + c.Name + "_namespaces is empty)"
	default:
		return strings.Join(c.Namespaces, ", ")
	}
}

// source says how the cluster is reached, for the health check.
func (c ClusterConfig) source() string {
	if c.Kubeconfig == "" {
		api := c.APIServer
		if api == "" {
			api = kube.DefaultAPIServer
		}
		return "in-cluster service account, API server " + api
	}
	if c.Context != "" {
		return fmt.Sprintf("kubeconfig %s, context %s", c.Kubeconfig, c.Context)
	}
	return "kubeconfig " + c.Kubeconfig
}

// serverEnv picks the plugin's keys out of an environment: lower-case key (without the
// GF_PLUGIN_ prefix) → value.
func serverEnv(environ []string) map[string]string {
	out := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, serverEnvPrefix) {
			continue
		}
		out[strings.ToLower(strings.TrimPrefix(k, serverEnvPrefix))] = strings.TrimSpace(v)
	}
	return out
}

// ParseServerConfig reads the server configuration from the process environment (environ,
// as os.Environ) and the environment Grafana gives a plugin without a ServiceHost entry:
// KUBERNETES_SERVICE_HOST/PORT, when present, are the in-cluster API server's default.
// Every invalid value is reported, joined.
func ParseServerConfig(environ []string, dataDir dataDirFunc) (ServerConfig, error) {
	env := serverEnv(environ)
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	c := ServerConfig{DatabasePath: env["database_path"]}
	if c.DatabasePath == "" {
		dir, err := dataDir()
		if err != nil {
			bad("database_path: not set, and Grafana's data directory could not be found (%v): set database_path in [plugin.%s]", err, PluginID)
		} else {
			c.DatabasePath = filepath.Join(dir, "stackcapture", "captures.db")
		}
	} else if !filepath.IsAbs(c.DatabasePath) {
		bad("database_path: %q must be an absolute path", c.DatabasePath)
	}
	if c.DatabasePath != "" {
		c.DatabasePath = filepath.Clean(c.DatabasePath)
	}

	c.AllowExecCredentials = serverBool(env, "allow_exec_credentials", bad)
	c.AllowKubeletPprof = serverBool(env, "allow_kubelet_pprof", bad)

	// Defaults and bounds come from pkg/settingspec/settings.json, as the README's table does.
	spec, err := settingspec.Load()
	if err != nil {
		return ServerConfig{}, fmt.Errorf("settings spec: %w", err)
	}
	atoi := func(v string) (int64, error) { return strconv.ParseInt(v, 10, 64) }
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	whole := func(key string, parse func(string) (int64, error), format func(int64) string) int64 {
		return serverBounded(spec, env, key, bad, settingspec.Setting.IntBounds, parse, format, noun)
	}
	c.PerNodeLimit = int(whole("per_node_limit", atoi, itoa))
	c.GlobalLimit = int(whole("global_limit", atoi, itoa))
	c.MaxDatabaseBytes = whole("max_database_bytes", settingspec.ParseBytes, settingspec.FormatBytes)
	c.OutputBudgetBytes = whole("output_budget_bytes", settingspec.ParseBytes, settingspec.FormatBytes)
	c.HeapHistogramMaxBytes = whole("heap_histogram_max_bytes", settingspec.ParseBytes, settingspec.FormatBytes)
	c.HeapHistogram = jvmheap.DefaultHistogramMode
	switch v := jvmheap.HistogramMode(strings.ToLower(strings.TrimSpace(env["heap_histogram"]))); v {
	case "":
	case jvmheap.HistogramAll, jvmheap.HistogramFull, jvmheap.HistogramNone:
		c.HeapHistogram = v
	default:
		bad("heap_histogram: %q is not all, full or none", env["heap_histogram"])
	}
	c.MinCooldown = serverBounded(spec, env, "min_cooldown", bad, settingspec.Setting.DurationBounds,
		time.ParseDuration, settingspec.FormatDuration, func(settingspec.Kind) string { return "duration" })

	names := []string{"default"}
	if v, ok := env["clusters"]; ok && v != "" {
		names = splitList(v)
	}
	if len(names) == 0 {
		bad("clusters: no cluster named")
	}
	seen := map[string]bool{}
	for _, name := range names {
		if problems := validation.IsDNS1123Label(name); len(problems) > 0 {
			bad("clusters: %q is not a cluster name (lower-case letters, digits and '-'): %s", name, strings.Join(problems, "; "))
			continue
		}
		if seen[name] {
			bad("clusters: %q is listed twice", name)
			continue
		}
		seen[name] = true
		key := func(k string) string { return env["cluster_"+name+"_"+k] }
		cl := ClusterConfig{
			Name:       name,
			Kubeconfig: key("kubeconfig"),
			Context:    key("context"),
			TokenFile:  key("token_file"),
			CAFile:     key("ca_file"),
			APIServer:  key("api_server"),
		}
		for k, p := range map[string]string{"kubeconfig": cl.Kubeconfig, "token_file": cl.TokenFile, "ca_file": cl.CAFile} {
			if p != "" && !filepath.IsAbs(p) {
				bad("cluster_%s_%s: %q must be an absolute path", name, k, p)
			}
		}
		if cl.Kubeconfig == "" && cl.APIServer == "" {
			cl.APIServer = inClusterAPIServer(environ)
		}
		switch ns := key("namespaces"); ns {
		case "*":
			cl.AllNamespaces = true
		case "":
		default:
			for _, n := range splitList(ns) {
				if problems := validation.IsDNS1123Label(n); len(problems) > 0 {
					bad("cluster_%s_namespaces: %q is not a namespace name: %s", name, n, strings.Join(problems, "; "))
					continue
				}
				cl.Namespaces = append(cl.Namespaces, n)
			}
		}
		c.Clusters = append(c.Clusters, cl)
	}
	// A key for a cluster that is not listed is a typo that would silently do nothing.
	for k := range env {
		rest, ok := strings.CutPrefix(k, "cluster_")
		if !ok {
			continue
		}
		known := false
		for name := range seen {
			if strings.HasPrefix(rest, name+"_") {
				known = true
			}
		}
		if !known {
			bad("%s: names a cluster that is not in clusters (%s)", k, strings.Join(names, ", "))
		}
	}
	return c, errors.Join(errs...)
}

// inClusterAPIServer is the API server a pod reaches: KUBERNETES_SERVICE_HOST/PORT when the
// environment has them (Grafana before 12.4 forwarded them), else the service's DNS name.
func inClusterAPIServer(environ []string) string {
	var host, port string
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "KUBERNETES_SERVICE_HOST":
			host = v
		case "KUBERNETES_SERVICE_PORT":
			port = v
		}
	}
	if host == "" || port == "" {
		return kube.DefaultAPIServer
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	return "https://" + host + ":" + port
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// serverBool reads a grafana.ini switch that is off unless set; anything but a clear true or
// false is reported through bad (and the switch left off).
func serverBool(env map[string]string, key string, bad func(string, ...any)) bool {
	switch strings.ToLower(env[key]) {
	case "", "false", "0", "no":
		return false
	case "true", "1", "yes":
		return true
	default:
		bad("%s: %q is not true or false", key, env[key])
		return false
	}
}

// noun names what a setting of this kind is, for errors.
func noun(k settingspec.Kind) string {
	if k == settingspec.KindBytes {
		return "size (bytes, or e.g. 512 MiB)"
	}
	return "whole number"
}

// serverBounded reads one grafana.ini value with the spec's default and bounds: a whole
// number, a size or a duration, as bounds and parse say. An invalid value is reported through
// bad and the default kept.
func serverBounded[T int64 | time.Duration](spec settingspec.Spec, env map[string]string, key string, bad func(string, ...any),
	bounds func(settingspec.Setting) (T, T, T, error), parse func(string) (T, error), format func(T) string,
	what func(settingspec.Kind) string) T {
	st, err := spec.ServerSetting(key)
	if err != nil {
		bad("%s: %v", key, err)
		return 0
	}
	def, lo, hi, err := bounds(st)
	if err != nil {
		bad("%s: %v", key, err)
		return 0
	}
	v := env[key]
	if v == "" {
		return def
	}
	n, err := parse(v)
	if err != nil || n < lo || n > hi {
		bad("%s: %q is not a %s from %s to %s", key, v, what(st.Kind), format(lo), format(hi))
		return def
	}
	return n
}
