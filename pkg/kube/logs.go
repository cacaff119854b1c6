package kube

import (
	"context"
	"errors"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LogReader reads container logs; *Client implements it.
type LogReader interface {
	Logs(ctx context.Context, namespace, pod, container string, since time.Time, limitBytes int64) (io.ReadCloser, error)
}

var _ LogReader = (*Client)(nil)

// Logs opens the container's log via pods/log. A non-zero since asks only for
// lines the kubelet recorded at or after it; the API carries sinceTime with
// one-second precision (RFC 3339), so lines from up to a second earlier can
// appear and callers must find their own output by content. limitBytes > 0
// caps the body (the cut may fall mid-line). The caller closes the reader;
// ctx bounds the whole read.
func (c *Client) Logs(ctx context.Context, namespace, pod, container string, since time.Time, limitBytes int64) (io.ReadCloser, error) {
	if limitBytes < 0 {
		return nil, errors.New("kube: negative log limit")
	}
	opts := &corev1.PodLogOptions{Container: container}
	if !since.IsZero() {
		t := metav1.NewTime(since)
		opts.SinceTime = &t
	}
	if limitBytes > 0 {
		opts.LimitBytes = &limitBytes
	}
	rc, err := c.streaming.Pods(namespace).GetLogs(pod, opts).Stream(ctx)
	if err != nil {
		return nil, classifyAPIError(err, namespace, pod, "get", "log")
	}
	return rc, nil
}
