package capture

import (
	"context"

	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/store"
)

// recordWorkload stores the workload the pod lookup found, so the capture is read with the
// others of its Deployment (StatefulSet, …). The capture goes on without it: it only joins no
// workload's history.
func (m *Manager) recordWorkload(ctx context.Context, id int64, w kube.Workload) {
	if w.Kind == "" || w.Name == "" {
		return
	}
	if err := m.store.SetWorkload(ctx, id, store.Workload{Kind: w.Kind, Name: w.Name}); err != nil {
		m.log.Warn("record the capture's workload", "id", id, "workload", w.Kind+"/"+w.Name, "error", err)
	}
}
