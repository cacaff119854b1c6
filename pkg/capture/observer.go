package capture

import (
	"encoding/json"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvm"
)

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
	PhaseSample = "sample" // the probe's sampling window, on the container's clock
	PhaseDump   = "dump"   // the probe's dump tools, from the window's end, on the container's clock
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
	// Stored is called once per kind of evidence a capture stored, with the bytes it handed
	// the store (raw output and summary, before the store compresses them).
	Stored(kind string, bytes int64)
}

type noObserver struct{}

func (noObserver) Finished(string, string)     {}
func (noObserver) SlotWait(time.Duration)      {}
func (noObserver) Phase(string, time.Duration) {}
func (noObserver) Stored(string, int64)        {}

// observeProbeTimings passes on the sample and dump phases the probe's own clock measured,
// when its output has them.
func observeProbeTimings(o Observer, out *jvm.ProbeOutput) {
	t := out.Timings()
	if t.HasSample {
		o.Phase(PhaseSample, t.Sample)
	}
	if t.HasDump {
		o.Phase(PhaseDump, t.Dump)
	}
}

// observeThreadsStored tells o what a capture's JVM threads put in the store: each
// process's raw dump, and the processes with their ranked threads as JSON.
func observeThreadsStored(o Observer, ps []jvm.Process) {
	if len(ps) == 0 {
		return
	}
	var n byteCounter
	for _, p := range ps {
		n += byteCounter(len(p.Raw))
	}
	// Counted as the store encodes it, without holding a second copy.
	if err := json.NewEncoder(&n).Encode(ps); err != nil {
		return // the store's own encoding fails the same way and reports it
	}
	o.Stored(string(evidence.KindJVMThreads), int64(n))
}

// observePiecesStored tells o what a capture's pieces of evidence put in the store, summed
// per kind: each piece's summary and raw output (a failed piece counts what it kept).
func observePiecesStored(o Observer, pieces []evidence.Piece) {
	byKind := map[evidence.Kind]int64{}
	var kinds []evidence.Kind // in the order the pieces came, for a stable order of calls
	for _, p := range pieces {
		n := int64(len(p.Summary) + len(p.Raw))
		if n == 0 {
			continue
		}
		if _, seen := byKind[p.Kind]; !seen {
			kinds = append(kinds, p.Kind)
		}
		byKind[p.Kind] += n
	}
	for _, k := range kinds {
		o.Stored(string(k), byKind[k])
	}
}

// byteCounter is an io.Writer that only counts.
type byteCounter int64

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}
