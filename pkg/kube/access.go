package kube

import (
	"context"
	"fmt"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CanI asks the API server whether the client's identity may perform verb on
// resource/subresource (core API group) in namespace, via a
// SelfSubjectAccessReview. reason is the authorizer's explanation; RBAC gives
// none on denial, so a denial then gets a reason naming the grant to add.
func (c *Client) CanI(ctx context.Context, namespace, verb, resource, subresource string) (allowed bool, reason string, err error) {
	review := &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace:   namespace,
				Verb:        verb,
				Resource:    resource,
				Subresource: subresource,
			},
		},
	}
	res, err := c.authz.SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
	if err != nil {
		return false, "", fmt.Errorf("access review %s %s in namespace %q: %w", verb, resourceName(resource, subresource), namespace, err)
	}
	reason = res.Status.Reason
	if res.Status.EvaluationError != "" {
		if reason != "" {
			reason += "; "
		}
		reason += "evaluation error: " + res.Status.EvaluationError
	}
	if !res.Status.Allowed && reason == "" {
		denied := &ForbiddenError{Verb: verb, Resource: resource, Subresource: subresource, Namespace: namespace}
		reason = denied.Error()
	}
	return res.Status.Allowed, reason, nil
}

// resourceName is "pods/exec", or "pods" without a subresource.
func resourceName(resource, subresource string) string {
	if subresource == "" {
		return resource
	}
	return resource + "/" + subresource
}
