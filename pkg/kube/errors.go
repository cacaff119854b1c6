package kube

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error returned by Client wraps at most one of these
// (plus the underlying client-go error), so callers can branch with errors.Is
// and users still see the full context in the message.
var (
	// ErrPodNotFound means the API server answered 404 for the pod.
	ErrPodNotFound = errors.New("pod not found")
	// ErrContainerNotFound means the pod exists but has no container of the
	// requested name (or the name was empty and the pod has several).
	ErrContainerNotFound = errors.New("container not found")
	// ErrForbidden means the API server denied the request (RBAC). The
	// concrete error is a *ForbiddenError naming what must be granted.
	ErrForbidden = errors.New("forbidden")
	// ErrExecutableNotFound means the container runtime could not start the
	// exec'd command because the executable is not in the container (for
	// example a distroless image without sh).
	ErrExecutableNotFound = errors.New("executable not found in container")
)

// ForbiddenError is returned when the API server denies a request. It names the
// exact permission that is missing so the message can be handed to a cluster
// administrator as is.
type ForbiddenError struct {
	Verb        string // e.g. "create"
	Resource    string // e.g. "pods"
	Subresource string // e.g. "exec"; empty for the resource itself
	Namespace   string
	// Cause is the error from client-go (usually an *apierrors.StatusError
	// carrying the server's RBAC message).
	Cause error
}

func (e *ForbiddenError) Error() string {
	r := resourceName(e.Resource, e.Subresource)
	return fmt.Sprintf("forbidden: cannot %s %s in namespace %q (RBAC: grant %q on %q)", e.Verb, r, e.Namespace, e.Verb, r)
}

// Is makes errors.Is(err, ErrForbidden) true.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// Unwrap exposes the client-go error, so apierrors.IsForbidden keeps working.
func (e *ForbiddenError) Unwrap() error { return e.Cause }

// The SPDY executor reports a refused upgrade as a plain string
// ("unable to upgrade connection: <server message>"), without the HTTP status.
// These fragments are the API server's own wording for the refusals we care
// about; matching them is the only way to classify SPDY upgrade failures.
const (
	msgUpgradeFailed       = "unable to upgrade connection"
	msgForbiddenFragment   = " is forbidden: "
	msgContainerNotValid   = " is not valid for pod "
	msgContainerMustChoose = "a container name must be specified for pod"
	// runc, crun and CRI-O all surface Go's exec.ErrNotFound text.
	msgExecutableNotFound = "executable file not found"
)

func isContainerNotFoundMessage(msg string) bool {
	return strings.Contains(msg, msgContainerNotValid) || strings.Contains(msg, msgContainerMustChoose)
}
