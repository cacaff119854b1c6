package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
)

// StoryReader reads what a pod's story needs: the whole pod (status, resources), its
// events and its current or previous container's log. *Client implements it.
type StoryReader interface {
	PodObject(ctx context.Context, namespace, name string) (*corev1.Pod, error)
	PodEvents(ctx context.Context, namespace, pod string, limit int64) (*corev1.EventList, error)
	ContainerLog(ctx context.Context, namespace, pod string, opts LogOptions) (io.ReadCloser, error)
}

var _ StoryReader = (*Client)(nil)

// ErrNoPreviousLog means the container has no previous (terminated) instance whose log the
// kubelet still keeps: it never restarted, or the runtime already removed it.
var ErrNoPreviousLog = errors.New("no previous container log")

// PodObject reads the whole pod (get pods). Errors are classified like Pod's.
func (c *Client) PodObject(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	pod, err := c.core.Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, classifyAPIError(err, namespace, name, "get", "")
	}
	return pod, nil
}

// PodEvents lists the core/v1 events about the pod called pod (list events in the
// namespace, field selector on involvedObject kind and name: the API server filters, so
// only this pod's events cross the wire). limit > 0 bounds the list; events of an earlier
// pod of the same name (a StatefulSet's) are included: their UIDs tell them apart.
func (c *Client) PodEvents(ctx context.Context, namespace, pod string, limit int64) (*corev1.EventList, error) {
	sel := fields.Set{
		"involvedObject.kind": "Pod",
		"involvedObject.name": pod,
	}.AsSelector().String()
	opts := metav1.ListOptions{FieldSelector: sel}
	if limit > 0 {
		opts.Limit = limit
	}
	list, err := c.core.Events(namespace).List(ctx, opts)
	if err != nil {
		if apierrors.IsForbidden(err) {
			return nil, &ForbiddenError{Verb: "list", Resource: "events", Namespace: namespace, Cause: err}
		}
		return nil, fmt.Errorf("list events of pod %s/%s: %w", namespace, pod, err)
	}
	return list, nil
}

// LogOptions select a part of a container's log.
type LogOptions struct {
	Container string
	// Since asks for lines stamped at or after it (one-second precision on the wire).
	Since time.Time
	// TailLines > 0 asks for the last lines only.
	TailLines int64
	// LimitBytes > 0 caps the body; the kubelet counts from the first line it sends.
	LimitBytes int64
	// Previous reads the container's previous (terminated) instance.
	Previous bool
	// Timestamps prefixes each line with the kubelet's RFC 3339 time and a space.
	Timestamps bool
}

// ContainerLog opens a part of the container's log (get pods/log). A missing previous
// instance is ErrNoPreviousLog; the caller closes the reader; ctx bounds the read.
func (c *Client) ContainerLog(ctx context.Context, namespace, pod string, opts LogOptions) (io.ReadCloser, error) {
	if opts.TailLines < 0 || opts.LimitBytes < 0 {
		return nil, errors.New("kube: negative log bound")
	}
	po := &corev1.PodLogOptions{Container: opts.Container, Previous: opts.Previous, Timestamps: opts.Timestamps}
	if !opts.Since.IsZero() {
		t := metav1.NewTime(opts.Since)
		po.SinceTime = &t
	}
	if opts.TailLines > 0 {
		po.TailLines = &opts.TailLines
	}
	if opts.LimitBytes > 0 {
		po.LimitBytes = &opts.LimitBytes
	}
	rc, err := c.streaming.Pods(namespace).GetLogs(pod, po).Stream(ctx)
	if err != nil {
		// The kubelet's answer when there is no previous instance, passed on by the API
		// server as 400: `previous terminated container "app" in pod "api-0" not found`.
		if opts.Previous && apierrors.IsBadRequest(err) && isNoPreviousMessage(err.Error()) {
			return nil, fmt.Errorf("log of previous container %q of pod %s/%s: %w: %w", opts.Container, namespace, pod, ErrNoPreviousLog, err)
		}
		return nil, classifyAPIError(err, namespace, pod, "get", "log")
	}
	return rc, nil
}

// msgNoPrevious is the kubelet's wording for a previous log that does not exist.
const msgNoPrevious = "previous terminated container"

func isNoPreviousMessage(msg string) bool { return strings.Contains(msg, msgNoPrevious) }
