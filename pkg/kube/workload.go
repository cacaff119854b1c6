package kube

import (
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Workload is what runs a pod: its controlling owner, resolved as far as the pod itself says
// (a ReplicaSet of a Deployment → the Deployment). Captures of pods of one workload are
// compared across pod restarts and rollouts.
type Workload struct {
	Kind string // Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicaSet, …; "Pod" for a bare pod
	Name string
}

// podTemplateHashLabel is the label the Deployment controller puts on the pods of each of its
// ReplicaSets; the ReplicaSet is named <deployment>-<hash>.
const podTemplateHashLabel = "pod-template-hash"

// cronJobSpread bounds how long after its scheduled time a CronJob's pod may be created for
// the job's name to be read as <cronjob>-<scheduled minute>: a job retried with back-off, or
// one that waited for its cluster, starts late, but not days late.
const cronJobSpread = 7 * 24 * time.Hour

// workloadOf resolves the workload of a pod from its ownerReferences and labels only: reading
// the owner objects would need grants on every workload kind. A pod with no controlling owner
// is its own workload (kind Pod).
func workloadOf(pod *corev1.Pod) Workload {
	owner := metav1.GetControllerOfNoCopy(pod)
	if owner == nil || owner.Name == "" || owner.Kind == "" {
		return Workload{Kind: "Pod", Name: pod.Name}
	}
	switch {
	case owner.Kind == "ReplicaSet" && isGroup(owner.APIVersion, "apps"):
		// The Deployment controller names its ReplicaSets <deployment>-<pod-template-hash> and
		// labels their pods with the hash; a ReplicaSet made by hand has no such label.
		if hash := pod.Labels[podTemplateHashLabel]; hash != "" {
			if name, ok := strings.CutSuffix(owner.Name, "-"+hash); ok && name != "" {
				return Workload{Kind: "Deployment", Name: name}
			}
		}
	case owner.Kind == "Job" && isGroup(owner.APIVersion, "batch"):
		if name, ok := cronJobOfJob(owner.Name, pod.CreationTimestamp.Time); ok {
			return Workload{Kind: "CronJob", Name: name}
		}
	}
	return Workload{Kind: owner.Kind, Name: owner.Name}
}

// cronJobOfJob reads a job name as the CronJob controller writes it, <cronjob>-<scheduled
// time in minutes since the epoch>, when that minute lies shortly before the pod was created.
// A hand-made job whose name happens to end in such a number within that week is the only
// misreading, and it needs a name built like the controller's.
func cronJobOfJob(job string, podCreated time.Time) (string, bool) {
	i := strings.LastIndexByte(job, '-')
	if i <= 0 || podCreated.IsZero() {
		return "", false
	}
	digits := job[i+1:]
	minute, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || minute <= 0 || strconv.FormatInt(minute, 10) != digits {
		return "", false
	}
	scheduled := time.Unix(minute*60, 0)
	if scheduled.After(podCreated.Add(time.Minute)) || podCreated.Sub(scheduled) > cronJobSpread {
		return "", false
	}
	return job[:i], true
}

// isGroup reports whether apiVersion ("apps/v1") is of the API group.
func isGroup(apiVersion, group string) bool {
	g, _, ok := strings.Cut(apiVersion, "/")
	return ok && g == group
}
