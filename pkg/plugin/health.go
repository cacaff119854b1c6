package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// HealthCheck is one line of the health check's details.
type HealthCheck struct {
	Name    string `json:"name"`
	Status  string `json:"status"` // ok, warning, error
	Message string `json:"message"`
}

// HealthDetails is the JSON of CheckHealthResult.JSONDetails.
type HealthDetails struct {
	Checks []HealthCheck `json:"checks"`
}

// CheckHealth answers the config page's Test button: settings, Kubernetes, the permissions
// captures need, and the database, each with a message an admin can act on.
func (a *App) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	checks := a.healthChecks(ctx)
	failed, warned := 0, 0
	for _, c := range checks {
		switch c.Status {
		case "error":
			failed++
		case "warning":
			warned++
		}
	}
	details, err := json.Marshal(HealthDetails{Checks: checks})
	if err != nil {
		return nil, fmt.Errorf("encode health details: %w", err)
	}
	res := &backend.CheckHealthResult{Status: backend.HealthStatusOk, JSONDetails: details}
	if failed > 0 {
		res.Status = backend.HealthStatusError
		var msgs []string
		for _, c := range checks {
			if c.Status == "error" {
				msgs = append(msgs, c.Name+": "+c.Message)
			}
		}
		res.Message = fmt.Sprintf("%d of %d checks failed: %s", failed, len(checks), strings.Join(msgs, " | "))
	} else {
		res.Message = "Stack Capture is ready: Kubernetes is reachable, exec is allowed, the database is writable"
		if warned > 0 {
			res.Message += fmt.Sprintf("; %d of %d checks warn (some evidence will be missing): see the details", warned, len(checks))
		}
	}
	return res, nil
}

func (a *App) healthChecks(ctx context.Context) []HealthCheck {
	if a.broken != nil {
		return []HealthCheck{{Name: "settings", Status: "error", Message: a.broken.Error()}}
	}
	rt := a.rt
	checks := []HealthCheck{{Name: "settings", Status: "ok", Message: "settings are valid; captures are stored in " + rt.store.Path()}}
	if len(a.settings.Ignored) > 0 {
		moved := make([]string, len(a.settings.Ignored))
		for i, k := range a.settings.Ignored {
			moved[i] = fmt.Sprintf("%s (now %s)", k, serverKeyOf()[k])
		}
		checks = append(checks, HealthCheck{Name: "server settings", Status: "warning", Message: fmt.Sprintf(
			"these keys are now set by the Grafana server admin in [plugin.%s] of grafana.ini and are ignored here: %s; remove them from the app's settings",
			PluginID, strings.Join(moved, ", "))})
	}
	for _, name := range a.settings.Clusters {
		if _, ok := rt.cfg.Cluster(name); !ok {
			checks = append(checks, HealthCheck{Name: "clusters", Status: "warning", Message: fmt.Sprintf(
				"clusters: %q is not a cluster of this Grafana server (it has %s)", name, strings.Join(rt.cfg.ClusterNames(), ", "))})
		}
	}

	clusters := a.orgClusters()
	if len(clusters) == 0 {
		checks = append(checks, HealthCheck{Name: "kubernetes", Status: "error", Message: fmt.Sprintf(
			"this org may use none of the server's clusters (%s): fix the clusters setting", strings.Join(rt.cfg.ClusterNames(), ", "))})
	}
	for _, cl := range clusters {
		suffix := ""
		if len(rt.cfg.Clusters) > 1 {
			suffix = " (" + cl.cfg.Name + ")"
		}
		namespaces, all := a.permittedNamespaces(cl)
		if !all && len(namespaces) == 0 {
			checks = append(checks, HealthCheck{Name: "namespaces" + suffix, Status: "error", Message: fmt.Sprintf(
				"no namespace of cluster %s may be captured: the server admin allows %s (cluster_%s_namespaces in [plugin.%s]) and this org allows %s",
				cl.cfg.Name, cl.cfg.describeCeiling(), cl.cfg.Name, PluginID, describeOrgNamespaces(a.settings))})
		}
		switch version, err := a.serverVersion(ctx, cl); {
		case cl.kubeErr != nil:
			checks = append(checks, HealthCheck{Name: "kubernetes" + suffix, Status: "error", Message: kubeSetupAdvice(cl.cfg, cl.kubeErr)})
		case err != nil:
			checks = append(checks, HealthCheck{Name: "kubernetes" + suffix, Status: "error", Message: "the Kubernetes API is not reachable: " + err.Error()})
		default:
			checks = append(checks, HealthCheck{Name: "kubernetes" + suffix, Status: "ok", Message: fmt.Sprintf("Kubernetes %s reachable (cluster %s: %s)", version, cl.cfg.Name, cl.cfg.source())})
			if all || len(namespaces) > 0 {
				checks = append(checks, a.permissionChecks(ctx, cl, namespaces, suffix)...)
			}
		}
	}

	if err := rt.store.Writable(ctx); err != nil {
		checks = append(checks, HealthCheck{Name: "store", Status: "error", Message: err.Error()})
	} else {
		checks = append(checks, HealthCheck{Name: "store", Status: "ok", Message: "database " + rt.store.Path() + " is writable"})
	}
	return checks
}

func (a *App) serverVersion(ctx context.Context, cl *cluster) (string, error) {
	if cl.kubeErr != nil {
		return "", cl.kubeErr
	}
	return cl.kube.ServerVersion(ctx)
}

func describeOrgNamespaces(s Settings) string {
	if len(s.AllowedNamespaces) == 0 {
		return "every namespace not in deniedNamespaces"
	}
	return strings.Join(s.AllowedNamespaces, ", ")
}

func kubeSetupAdvice(c ClusterConfig, err error) string {
	if c.Kubeconfig == "" {
		return fmt.Sprintf("no Kubernetes client for cluster %s: %v. Run Grafana in the cluster with the plugin's service account (deploy/kubernetes), "+
			"or have the server admin set cluster_%s_kubeconfig in [plugin.%s]", c.Name, err, c.Name, PluginID)
	}
	return fmt.Sprintf("no Kubernetes client for cluster %s from kubeconfig %s: %v", c.Name, c.Kubeconfig, err)
}

// permission is one RBAC grant captures use.
type permission struct {
	verb, resource, subresource string
	required                    bool // false: only some evidence needs it; its absence is a warning
	why                         string
	// lost says what a capture goes without when the grant is missing (optional grants only):
	// the pieces fail with reason "forbidden", the capture itself still runs.
	lost string
	// clusterScoped grants (nodes/proxy) are asked once, cluster-wide, not per namespace.
	clusterScoped bool
	// manifest is the shipped file that grants it.
	manifest string
}

func (p permission) name() string {
	if p.subresource == "" {
		return p.resource
	}
	return p.resource + "/" + p.subresource
}

const (
	rbacManifest        = "deploy/kubernetes/rbac.yaml"
	kubeletRBACManifest = "deploy/kubernetes/kubelet-pprof.yaml"
)

// neededPermissions are the RBAC grants the plugin's code uses; deploy/kubernetes/rbac.yaml
// grants exactly these.
func neededPermissions() []permission {
	return []permission{
		{verb: "get", resource: "pods", required: true, why: "look up the alerting pod, its node and containers", manifest: rbacManifest},
		{verb: "create", resource: "pods", subresource: "exec", required: true, why: "run the probe in the container", manifest: rbacManifest},
		// Exec over WebSocket is a GET upgrade, authorized as get (as well as create since 1.35).
		{verb: "get", resource: "pods", subresource: "exec", required: true, why: "run the probe over WebSocket, the default exec transport", manifest: rbacManifest},
		{verb: "get", resource: "pods", subresource: "log", why: "read the thread dump back from the log when the image has no jcmd or jstack (kill -3 fallback), and the container's last log lines for the pod's story",
			lost: "JVM threads of images without jcmd or jstack, and the log lines of the pod story (pod-story)", manifest: rbacManifest},
		{verb: "get", resource: "pods", subresource: "proxy", why: "fetch Go profiles from the pod's declared pprof port through the API server",
			lost: "the Go CPU profile, goroutines and heap (go-cpu, go-goroutines, go-heap)", manifest: rbacManifest},
		{verb: "list", resource: "events", why: "read the pod's recent events (OOMKilled, BackOff, …) for the pod's story",
			lost: "the events of the pod story (pod-story)", manifest: rbacManifest},
	}
}

// kubeletPermission is the opt-in grant node alerts need when allow_kubelet_pprof is on. It is
// not in rbac.yaml: nodes/proxy reaches the kubelet's whole API.
func kubeletPermission() permission {
	return permission{verb: "get", resource: "nodes", subresource: "proxy", clusterScoped: true,
		why:      "fetch the kubelet's CPU profile and goroutines for node alerts (allow_kubelet_pprof = true)",
		lost:     "the kubelet's profiles on node alerts (go-cpu, go-goroutines of the kubelet); set allow_kubelet_pprof = false if that is intended",
		manifest: kubeletRBACManifest}
}

// healthPermissions are the grants the health check asks about with this server config.
func healthPermissions(cfg ServerConfig) []permission {
	perms := neededPermissions()
	if cfg.AllowKubeletPprof {
		perms = append(perms, kubeletPermission())
	}
	return perms
}

// permissionChecks asks the API server (SelfSubjectAccessReview) whether this service account
// holds each grant, in every allowed namespace, or cluster-wide when all are allowed (nil).
// A missing required grant is an error; a missing optional one is a warning naming the
// evidence captures go without.
func (a *App) permissionChecks(ctx context.Context, cl *cluster, namespaces []string, suffix string) []HealthCheck {
	if len(namespaces) == 0 {
		namespaces = []string{""}
	}
	var checks []HealthCheck
	for _, p := range healthPermissions(a.rt.cfg) {
		name := p.name()
		where := namespaces
		if p.clusterScoped {
			where = []string{""}
		}
		var denied []string
		var errs []string
		for _, ns := range where {
			allowed, reason, err := cl.kube.CanI(ctx, ns, p.verb, p.resource, p.subresource)
			place := "all namespaces"
			if p.clusterScoped {
				place = "the cluster"
			} else if ns != "" {
				place = "namespace " + ns
			}
			switch {
			case err != nil:
				errs = append(errs, fmt.Sprintf("%s: %v", place, err))
			case !allowed:
				d := place
				if reason != "" {
					d += " (" + reason + ")"
				}
				denied = append(denied, d)
			}
		}
		check := HealthCheck{Name: fmt.Sprintf("%s %s%s", p.verb, name, suffix), Status: "ok",
			Message: fmt.Sprintf("allowed to %s %s: %s", p.verb, name, p.why)}
		if len(denied) > 0 || len(errs) > 0 {
			check.Status = "error"
			if !p.required {
				check.Status = "warning"
			}
			msg := fmt.Sprintf("the service account may not %s %s in %s: grant %q on %q (%s) to %s",
				p.verb, name, strings.Join(append(denied, errs...), ", "), p.verb, name, p.manifest, p.why)
			if p.lost != "" {
				msg += fmt.Sprintf(". Without it captures go without %s: those pieces are recorded as failed with reason forbidden, the rest of the capture is taken", p.lost)
			}
			check.Message = msg
		}
		checks = append(checks, check)
	}
	return checks
}
