package podstory

import (
	"context"
	"fmt"
)

// AccessChecker asks the API server what the plugin's identity may do; *kube.Client
// implements it (a SelfSubjectAccessReview per question).
type AccessChecker interface {
	CanI(ctx context.Context, namespace, verb, resource, subresource string) (allowed bool, reason string, err error)
}

// MissingAccess returns the grants of RequiredAccess the identity lacks in namespace, for
// the health check: an empty answer means the whole story can be read.
func MissingAccess(ctx context.Context, c AccessChecker, namespace string) ([]Access, error) {
	var missing []Access
	for _, a := range RequiredAccess {
		ok, _, err := c.CanI(ctx, namespace, a.Verb, a.Resource, a.Subresource)
		if err != nil {
			return nil, fmt.Errorf("pod story access %s %s: %w", a.Verb, a, err)
		}
		if !ok {
			missing = append(missing, a)
		}
	}
	return missing, nil
}

// String is "pods/log" or "events".
func (a Access) String() string {
	if a.Subresource == "" {
		return a.Resource
	}
	return a.Resource + "/" + a.Subresource
}
