package capture

import "time"

// Outcomes of a capture as an Observer sees them.
const (
	OutcomeDone    = "done"
	OutcomeFailed  = "failed"
	OutcomeSkipped = "skipped"
)

// Phases of a capture timed for an Observer.
const (
	PhaseLookup = "lookup" // resolving the pod
	PhaseExec   = "exec"   // running the probe in the container (sampling and dump)
	PhaseParse  = "parse"  // parsing the probe output and the thread dumps
	PhaseStore  = "store"  // writing the outcome to the store
)

// Observer is told what captures do, for metrics. Its methods must be cheap and safe for
// concurrent use; they are called on the capture's goroutine.
type Observer interface {
	// Finished is called once per capture with its outcome and reason ("" when done).
	Finished(outcome, reason string)
	// SlotWait is how long a capture waited for a slot on its node.
	SlotWait(d time.Duration)
	// Phase is how long one phase of a capture took.
	Phase(phase string, d time.Duration)
}

type noObserver struct{}

func (noObserver) Finished(string, string)     {}
func (noObserver) SlotWait(time.Duration)      {}
func (noObserver) Phase(string, time.Duration) {}
