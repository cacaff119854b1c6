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
	failed := 0
	for _, c := range checks {
		if c.Status == "error" {
			failed++
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
	}
	return res, nil
}

func (a *App) healthChecks(ctx context.Context) []HealthCheck {
	if a.broken != nil {
		return []HealthCheck{{Name: "settings", Status: "error", Message: a.broken.Error()}}
	}
	checks := []HealthCheck{{Name: "settings", Status: "ok", Message: "settings are valid; captures are stored in " + a.settings.DatabasePath}}

	if a.kubeErr != nil {
		checks = append(checks, HealthCheck{Name: "kubernetes", Status: "error", Message: kubeSetupAdvice(a.settings, a.kubeErr)})
	} else if version, err := a.kube.ServerVersion(ctx); err != nil {
		checks = append(checks, HealthCheck{Name: "kubernetes", Status: "error", Message: "the Kubernetes API is not reachable: " + err.Error()})
	} else {
		checks = append(checks, HealthCheck{Name: "kubernetes", Status: "ok", Message: fmt.Sprintf("Kubernetes %s reachable (%s)", version, kubeSource(a.settings))})
		checks = append(checks, a.permissionChecks(ctx)...)
	}

	if err := a.store.Writable(ctx); err != nil {
		checks = append(checks, HealthCheck{Name: "store", Status: "error", Message: err.Error()})
	} else {
		checks = append(checks, HealthCheck{Name: "store", Status: "ok", Message: "database " + a.settings.DatabasePath + " is writable"})
	}
	return checks
}

func kubeSource(s Settings) string {
	if s.Kubeconfig == "" {
		return "in-cluster service account"
	}
	if s.KubeContext != "" {
		return fmt.Sprintf("kubeconfig %s, context %s", s.Kubeconfig, s.KubeContext)
	}
	return "kubeconfig " + s.Kubeconfig
}

func kubeSetupAdvice(s Settings, err error) string {
	if s.Kubeconfig == "" {
		return "no Kubernetes client: " + err.Error() + ". Run Grafana in the cluster with the plugin's service account (deploy/kubernetes), or set kubeconfig to a kubeconfig file Grafana can read"
	}
	return fmt.Sprintf("no Kubernetes client from kubeconfig %s: %v", s.Kubeconfig, err)
}

// permission is one RBAC grant captures use.
type permission struct {
	verb, resource, subresource string
	required                    bool // false: only a fallback needs it
	why                         string
}

// neededPermissions are the RBAC grants the plugin's code uses; deploy/kubernetes grants exactly these.
func neededPermissions() []permission {
	return []permission{
		{"get", "pods", "", true, "look up the alerting pod, its node and containers"},
		{"create", "pods", "exec", true, "run the probe in the container"},
		// Exec over WebSocket is a GET upgrade, authorized as get (as well as create since 1.35).
		{"get", "pods", "exec", true, "run the probe over WebSocket, the default exec transport"},
		{"get", "pods", "log", false, "read the thread dump back from the log when the image has no jcmd or jstack (kill -3 fallback)"},
	}
}

// permissionChecks asks the API server (SelfSubjectAccessReview) whether this service account
// holds each grant, in every allowed namespace, or cluster-wide when all are allowed.
func (a *App) permissionChecks(ctx context.Context) []HealthCheck {
	namespaces := a.settings.AllowedNamespaces
	if len(namespaces) == 0 {
		namespaces = []string{""}
	}
	var checks []HealthCheck
	for _, p := range neededPermissions() {
		name := p.resource
		if p.subresource != "" {
			name += "/" + p.subresource
		}
		var denied []string
		var errs []string
		for _, ns := range namespaces {
			allowed, reason, err := a.kube.CanI(ctx, ns, p.verb, p.resource, p.subresource)
			where := "all namespaces"
			if ns != "" {
				where = "namespace " + ns
			}
			switch {
			case err != nil:
				errs = append(errs, fmt.Sprintf("%s: %v", where, err))
			case !allowed:
				d := where
				if reason != "" {
					d += " (" + reason + ")"
				}
				denied = append(denied, d)
			}
		}
		check := HealthCheck{Name: fmt.Sprintf("%s %s", p.verb, name), Status: "ok",
			Message: fmt.Sprintf("allowed to %s %s: %s", p.verb, name, p.why)}
		if len(denied) > 0 || len(errs) > 0 {
			check.Status = "error"
			if !p.required {
				check.Status = "warning"
			}
			msg := fmt.Sprintf("the service account may not %s %s in %s: grant %q on %q (deploy/kubernetes/rbac.yaml) to %s",
				p.verb, name, strings.Join(append(denied, errs...), ", "), p.verb, name, p.why)
			check.Message = msg
		}
		checks = append(checks, check)
	}
	return checks
}
