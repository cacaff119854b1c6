package kube

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// defaultContainerAnnotation is kubectl's way for a pod to name the container
// that exec/logs should use when none is given.
const defaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// PodInfo is the part of a pod the plugin needs.
type PodInfo struct {
	Namespace  string
	Name       string
	UID        string
	Node       string // spec.nodeName
	Phase      string // status.phase, e.g. "Running"
	Containers []ContainerInfo
	// DefaultContainer is the kubectl.kubernetes.io/default-container
	// annotation, if set.
	DefaultContainer string
	// PodNetwork holds the pod's address, annotations and named ports.
	PodNetwork
	// Workload is the pod's controlling owner, resolved to its Deployment or CronJob when the
	// pod's labels and names say so; kind Pod for a bare pod.
	Workload Workload
}

// ContainerInfo describes one of the pod's (regular) containers.
type ContainerInfo struct {
	Name        string
	Image       string
	Running     bool   // status.containerStatuses[].state.running is set
	ContainerID string // e.g. "containerd://…"; empty before the container starts
}

// Container returns the container called name. An empty name picks the pod's
// default container (the kubectl annotation, or the only container), the way
// kubectl exec does. The error wraps ErrContainerNotFound and lists the names.
func (p *PodInfo) Container(name string) (ContainerInfo, error) {
	if name == "" {
		name = p.DefaultContainer
	}
	if name == "" {
		if len(p.Containers) == 1 {
			return p.Containers[0], nil
		}
		return ContainerInfo{}, fmt.Errorf("pod %s/%s has %d containers (%s), name one: %w", p.Namespace, p.Name, len(p.Containers), strings.Join(p.containerNames(), ", "), ErrContainerNotFound)
	}
	for _, c := range p.Containers {
		if c.Name == name {
			return c, nil
		}
	}
	return ContainerInfo{}, fmt.Errorf("container %q in pod %s/%s (containers: %s): %w", name, p.Namespace, p.Name, strings.Join(p.containerNames(), ", "), ErrContainerNotFound)
}

func (p *PodInfo) containerNames() []string {
	names := make([]string, len(p.Containers))
	for i, c := range p.Containers {
		names[i] = c.Name
	}
	return names
}

// Pod reads one pod.
func (c *Client) Pod(ctx context.Context, namespace, name string) (*PodInfo, error) {
	pod, err := c.core.Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, classifyAPIError(err, namespace, name, "get", "")
	}
	return podInfoFrom(pod), nil
}

func podInfoFrom(pod *corev1.Pod) *PodInfo {
	statuses := make(map[string]corev1.ContainerStatus, len(pod.Status.ContainerStatuses))
	for _, s := range pod.Status.ContainerStatuses {
		statuses[s.Name] = s
	}
	info := &PodInfo{
		Namespace:        pod.Namespace,
		Name:             pod.Name,
		UID:              string(pod.UID),
		Node:             pod.Spec.NodeName,
		Phase:            string(pod.Status.Phase),
		DefaultContainer: pod.Annotations[defaultContainerAnnotation],
		Containers:       make([]ContainerInfo, 0, len(pod.Spec.Containers)),
		PodNetwork:       podNetworkFrom(pod),
		Workload:         workloadOf(pod),
	}
	for _, spec := range pod.Spec.Containers {
		ci := ContainerInfo{Name: spec.Name, Image: spec.Image}
		if s, ok := statuses[spec.Name]; ok {
			ci.Running = s.State.Running != nil
			ci.ContainerID = s.ContainerID
		}
		info.Containers = append(info.Containers, ci)
	}
	return info
}

// classifyAPIError maps a client-go error for a request on pods/<subresource>
// of pod namespace/name onto the package's sentinels.
func classifyAPIError(err error, namespace, pod, verb, subresource string) error {
	what := "pod " + namespace + "/" + pod
	if subresource != "" {
		what = subresource + " of " + what
	}
	switch {
	case apierrors.IsForbidden(err):
		return &ForbiddenError{Verb: verb, Resource: "pods", Subresource: subresource, Namespace: namespace, Cause: err}
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%s %s: %w: %w", verb, what, ErrPodNotFound, err)
	case apierrors.IsBadRequest(err) && isContainerNotFoundMessage(err.Error()):
		return fmt.Errorf("%s %s: %w: %w", verb, what, ErrContainerNotFound, err)
	default:
		return fmt.Errorf("%s %s: %w", verb, what, err)
	}
}
