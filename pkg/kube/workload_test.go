package kube_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
)

// The pod's workload comes from its ownerReferences and labels, read through the API server
// like any pod: a Deployment's pod names the Deployment, a CronJob's pod the CronJob, other
// owners themselves, a bare pod itself.
func TestPodWorkload(t *testing.T) {
	created := time.Date(2026, 12, 1, 10, 3, 7, 0, time.UTC)
	minute := func(t time.Time) string { return strconv.FormatInt(t.Unix()/60, 10) }
	controller := func(apiVersion, kind, name string) []metav1.OwnerReference {
		return []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, UID: types.UID("u-" + name), Controller: new(true)}}
	}
	tests := []struct {
		name   string
		labels map[string]string
		owners []metav1.OwnerReference
		want   kube.Workload
	}{
		{"deployment through its replicaset", map[string]string{"pod-template-hash": "7d9f8b6c5d", "app": "shop"},
			controller("apps/v1", "ReplicaSet", "shop-api-7d9f8b6c5d"), kube.Workload{Kind: "Deployment", Name: "shop-api"}},
		{"deployment whose name ends in digits", map[string]string{"pod-template-hash": "5c6d7"},
			controller("apps/v1", "ReplicaSet", "api-v2-5c6d7"), kube.Workload{Kind: "Deployment", Name: "api-v2"}},
		{"replicaset made by hand: no hash label", nil,
			controller("apps/v1", "ReplicaSet", "frontend"), kube.Workload{Kind: "ReplicaSet", Name: "frontend"}},
		{"replicaset whose name does not end in the hash", map[string]string{"pod-template-hash": "abc12"},
			controller("apps/v1", "ReplicaSet", "frontend-xyz99"), kube.Workload{Kind: "ReplicaSet", Name: "frontend-xyz99"}},
		{"replicaset named only the hash", map[string]string{"pod-template-hash": "abc12"},
			controller("apps/v1", "ReplicaSet", "-abc12"), kube.Workload{Kind: "ReplicaSet", Name: "-abc12"}},
		{"replicaset of another API group", map[string]string{"pod-template-hash": "abc12"},
			controller("example.com/v1", "ReplicaSet", "web-abc12"), kube.Workload{Kind: "ReplicaSet", Name: "web-abc12"}},
		{"statefulset", map[string]string{"controller-revision-hash": "db-6b8f"},
			controller("apps/v1", "StatefulSet", "db"), kube.Workload{Kind: "StatefulSet", Name: "db"}},
		{"daemonset", nil, controller("apps/v1", "DaemonSet", "node-agent"), kube.Workload{Kind: "DaemonSet", Name: "node-agent"}},
		{"cronjob through its job, scheduled a minute before", map[string]string{"job-name": "report-" + minute(created.Add(-time.Minute))},
			controller("batch/v1", "Job", "report-"+minute(created.Add(-time.Minute))), kube.Workload{Kind: "CronJob", Name: "report"}},
		{"cronjob's job retried hours later", nil,
			controller("batch/v1", "Job", "nightly-etl-"+minute(created.Add(-5*time.Hour))), kube.Workload{Kind: "CronJob", Name: "nightly-etl"}},
		{"job numbered by hand", nil, controller("batch/v1", "Job", "migrate-2"), kube.Workload{Kind: "Job", Name: "migrate-2"}},
		{"job suffix a minute after the pod", nil,
			controller("batch/v1", "Job", "report-"+minute(created.Add(5*time.Minute))), kube.Workload{Kind: "Job", Name: "report-" + minute(created.Add(5*time.Minute))}},
		{"job suffix weeks before the pod", nil,
			controller("batch/v1", "Job", "report-"+minute(created.Add(-30*24*time.Hour))), kube.Workload{Kind: "Job", Name: "report-" + minute(created.Add(-30*24*time.Hour))}},
		{"job suffix with a leading zero", nil,
			controller("batch/v1", "Job", "report-0"+minute(created)), kube.Workload{Kind: "Job", Name: "report-0" + minute(created)}},
		{"job without suffix", nil, controller("batch/v1", "Job", "backfill"), kube.Workload{Kind: "Job", Name: "backfill"}},
		{"custom controller", nil, controller("apps.kruise.io/v1alpha1", "CloneSet", "web"), kube.Workload{Kind: "CloneSet", Name: "web"}},
		{"bare pod", nil, nil, kube.Workload{Kind: "Pod", Name: "p"}},
		{"owner that is not the controller", nil,
			[]metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "x", UID: types.UID("u")}}, kube.Workload{Kind: "Pod", Name: "p"}},
		{"controller among other owners", nil,
			append([]metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "cfg", UID: types.UID("c")}}, controller("apps/v1", "StatefulSet", "kafka")...),
			kube.Workload{Kind: "StatefulSet", Name: "kafka"}},
	}
	srv, c := newEnv(t, kube.ExecTransportFallback)
	ctx := guardedCtx(t)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := "p"
			if tc.want.Kind != "Pod" {
				name = fmt.Sprintf("pod-%d", i)
			}
			ns := fmt.Sprintf("ns-%d", i)
			srv.AddPod(kubetest.PodSpec{Namespace: ns, Name: name, Node: "n", Created: created,
				Labels: tc.labels, OwnerReferences: tc.owners, Containers: []kubetest.ContainerSpec{{Name: "app"}}})
			p, err := c.Pod(ctx, ns, name)
			if err != nil {
				t.Fatalf("Pod: %v", err)
			}
			if p.Workload != tc.want {
				t.Errorf("workload = %+v, want %+v", p.Workload, tc.want)
			}
		})
	}
}
