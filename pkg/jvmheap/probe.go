package jvmheap

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/seed/stackcapture/pkg/jvm"
)

//go:embed heap.sh
var heapScript []byte

// ProbeVersion is the protocol version heap.sh prints and ParseProbeOutput reads.
const ProbeVersion = 1

// HistogramMode says how GC.class_histogram is taken.
type HistogramMode string

const (
	// HistogramFull is jcmd's default: a full GC first, then the live objects. Its pause
	// is the full GC plus the walk (see bench/histopause_test.go for numbers).
	HistogramFull HistogramMode = "full"
	// HistogramAll is "-all": no GC, every object counted, reachable or not.
	HistogramAll HistogramMode = "all"
	// HistogramNone takes no histogram (heap_info, metaspace and NMT only: no heap walk).
	HistogramNone HistogramMode = "none"
)

// DefaultHistogramMode keeps the target's pause shortest: no full GC (see doc.go for the
// measured pauses).
const DefaultHistogramMode = HistogramAll

// Defaults for the script's other arguments.
const (
	DefaultToolTimeout = 30 * time.Second
	DefaultTopN        = 50
)

// Script returns heap.sh, to be sent on the exec's stdin. The slice is a copy.
func Script() []byte { return jvm.WithToolRoom(heapScript) }

// Args returns the argv that runs the script from stdin. Only the mode's closed set and
// numbers formatted here reach the command line; an unknown mode is an error.
func Args(mode HistogramMode, toolTimeout time.Duration, topN int) ([]string, error) {
	return argsFor(mode, toolTimeout, topN, false, nil)
}

// HistogramArgs returns the argv that takes the class histogram only, of the JVMs pids:
// the second exec, once the first told the heaps' sizes.
func HistogramArgs(mode HistogramMode, toolTimeout time.Duration, topN int, pids []int) ([]string, error) {
	if mode == HistogramNone || len(pids) == 0 {
		return nil, fmt.Errorf("jvmheap: a histogram-only run needs a histogram mode and pids (mode %q, %d pids)", mode, len(pids))
	}
	return argsFor(mode, toolTimeout, topN, true, pids)
}

func argsFor(mode HistogramMode, toolTimeout time.Duration, topN int, histogramOnly bool, pids []int) ([]string, error) {
	switch mode {
	case HistogramFull, HistogramAll, HistogramNone:
	default:
		return nil, fmt.Errorf("jvmheap: unknown histogram mode %q (want %q, %q or %q)", mode, HistogramFull, HistogramAll, HistogramNone)
	}
	secs := int64((toolTimeout + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = int64(DefaultToolTimeout / time.Second)
	}
	if topN < 1 {
		topN = DefaultTopN
	}
	args := []string{"sh", "-s", "--", string(mode), strconv.FormatInt(secs, 10), strconv.Itoa(topN)}
	if !histogramOnly {
		return args, nil
	}
	ids := make([]string, len(pids))
	for i, p := range pids {
		if p < 1 {
			return nil, fmt.Errorf("jvmheap: bad pid %d", p)
		}
		ids[i] = strconv.Itoa(p)
	}
	return append(args, "histogram", strings.Join(ids, ",")), nil
}

// ProbeOutput is everything heap.sh printed.
type ProbeOutput struct {
	Version  int
	Mode     HistogramMode
	JVMs     []*JVMOutput
	NoJVM    bool
	Complete bool     // "@sc done" arrived
	Notes    []string // protocol problems
}

// JVMOutput is what the script reported for one JVM.
type JVMOutput struct {
	PID      int
	Command  string
	Commands []CommandOutput
	Errors   []string
}

// CommandOutput is one jcmd run.
type CommandOutput struct {
	Name string // heap_info, class_histogram, metaspace, native_memory
	Exit int
	Took time.Duration
	Text string
}

// ErrNotProbeOutput says the input does not start like heap.sh's output.
var ErrNotProbeOutput = errors.New("not stackcapture heap probe output")

// ErrTruncated says the output ended before "@sc done".
var ErrTruncated = errors.New("heap probe output truncated")

// maxProbeLine cuts longer lines (no jcmd answer has them; a broken stream might).
const maxProbeLine = 1 << 20

// readCappedLine reads one line without its newline, keeping at most maxProbeLine bytes.
func readCappedLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		frag, isPrefix, err := br.ReadLine()
		if len(b) < maxProbeLine {
			b = append(b, frag[:min(len(frag), maxProbeLine-len(b))]...)
		}
		if err != nil {
			return string(b), err
		}
		if !isPrefix {
			return string(b), nil
		}
	}
}

// ParseProbeOutput reads heap.sh's output. It always returns a non-nil output with what
// was complete; the error is ErrNotProbeOutput, ErrTruncated or a read error, wrapped.
func ParseProbeOutput(r io.Reader) (*ProbeOutput, error) {
	out := &ProbeOutput{}
	byPID := map[int]*JVMOutput{}
	var text *strings.Builder // the data of the current record
	var flush func()
	finish := func() {
		if flush != nil {
			flush()
		}
		flush, text = nil, nil
	}
	br := bufio.NewReaderSize(r, 64<<10)
	first := true
	var readErr error
	for !out.Complete {
		line, err := readCappedLine(br)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			if line == "" {
				break
			}
		}
		if first {
			first = false
			if line != "@sc stackcapture-heap "+strconv.Itoa(ProbeVersion) {
				return out, fmt.Errorf("first line %.80q: %w", line, ErrNotProbeOutput)
			}
			out.Version = ProbeVersion
			continue
		}
		if data, ok := strings.CutPrefix(line, "|"); ok {
			if text == nil {
				out.Notes = append(out.Notes, "data line outside a record")
				continue
			}
			text.WriteString(data)
			text.WriteByte('\n')
			continue
		}
		rest, ok := strings.CutPrefix(line, "@sc ")
		if !ok {
			out.Notes = append(out.Notes, fmt.Sprintf("stray line %.80q", line))
			continue
		}
		finish()
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		jvmOf := func() *JVMOutput {
			if len(f) < 2 {
				return nil
			}
			pid, err := strconv.Atoi(f[1])
			if err != nil || pid < 1 {
				return nil
			}
			j := byPID[pid]
			if j == nil {
				j = &JVMOutput{PID: pid}
				byPID[pid] = j
				out.JVMs = append(out.JVMs, j)
			}
			return j
		}
		switch f[0] {
		case "histo_mode":
			if len(f) == 2 {
				out.Mode = HistogramMode(f[1])
			}
		case "jvm":
			if j := jvmOf(); j != nil {
				text = &strings.Builder{}
				b := text
				flush = func() { j.Command = strings.TrimSpace(b.String()) }
			}
		case "cmd":
			j := jvmOf()
			if j == nil || len(f) != 5 {
				out.Notes = append(out.Notes, fmt.Sprintf("bad cmd record %.80q", line))
				continue
			}
			exit, _ := strconv.Atoi(f[3])
			ms, _ := strconv.ParseInt(f[4], 10, 64)
			text = &strings.Builder{}
			b, name := text, f[2]
			flush = func() {
				j.Commands = append(j.Commands, CommandOutput{Name: name, Exit: exit, Took: time.Duration(ms) * time.Millisecond, Text: b.String()})
			}
		case "error":
			j := jvmOf()
			if j == nil {
				out.Notes = append(out.Notes, fmt.Sprintf("bad error record %.80q", line))
				continue
			}
			msg := strings.Join(f[2:], " ")
			text = &strings.Builder{}
			b := text
			flush = func() {
				if detail := strings.TrimSpace(b.String()); detail != "" {
					msg += ": " + detail
				}
				j.Errors = append(j.Errors, msg)
			}
		case "nojvm":
			out.NoJVM = true
		case "done":
			out.Complete = true
		default:
			out.Notes = append(out.Notes, fmt.Sprintf("unknown record %.80q", line))
		}
		if err != nil {
			break
		}
	}
	if readErr != nil {
		finish()
		return out, fmt.Errorf("read heap probe output: %w", readErr)
	}
	finish()
	if first {
		return out, fmt.Errorf("empty output: %w", ErrNotProbeOutput)
	}
	if !out.Complete {
		return out, ErrTruncated
	}
	return out, nil
}
