package kubetest

import (
	"context"
	"sync"
)

// HoldExecs makes every exec wait until the returned release is called (or its request
// ends), so a test can look at captures while they are running. Release is idempotent and
// also runs at the test's cleanup, so a failing test never leaves an exec hanging.
func (s *Server) HoldExecs() (release func()) {
	hold := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(hold) }) }
	s.t.Cleanup(release)
	s.OnExec(func(ctx context.Context, _ ExecEvent) error {
		select {
		case <-hold:
		case <-ctx.Done():
		}
		return nil
	})
	return release
}
