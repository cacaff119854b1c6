package jvm

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Dump is a parsed HotSpot thread dump (jcmd Thread.print -l, jstack -l, or kill -3).
type Dump struct {
	Timestamp string   // the line before the banner as printed, e.g. "2026-11-22 10:31:52"
	JVM       string   // the banner without "Full thread dump " and ':'
	Threads   []Thread // in dump order; CPU fields are zero, InDump is true
	Deadlocks []string // "Found one Java-level deadlock" sections, verbatim
	Complete  bool     // the dump's end ("JNI global refs") was seen
	Raw       string   // the dump's own text, without output before or after it
	// JavaThreads is how many Java threads the dump says it lists (its "Threads class SMR
	// info" length, JDK 10+); 0 when it does not say.
	JavaThreads int
	// Problems says what of the dump could not be read with certainty, for the capture's error.
	Problems []string

	// unseen: the SMR list names Java threads the dump does not show (it was cut, or a banner
	// inside a thread name was taken for the start of the next dump).
	unseen bool
	// ambiguous: without the SMR list, the text alone decided between thread headers and
	// header-like text in thread names; the /proc tids may tell them apart (see Analyze).
	ambiguous bool
}

const (
	bannerPrefix   = "Full thread dump "
	jniRefsPrefix  = "JNI global ref" // "JNI global refs:" (JDK 9+), "JNI global references:" (JDK 8)
	deadlockPrefix = "Found one Java-level deadlock"
	stateLinePrefx = "java.lang.Thread.State:"
	ownedHeader    = "Locked ownable synchronizers:"
	smrHeader      = "Threads class SMR info:"
)

// ErrNoThreadDump says a text holds no HotSpot thread dump.
var ErrNoThreadDump = errors.New("no HotSpot thread dump found")

// ParseThreadDump parses the first HotSpot thread dump in text; output before it (the
// application's stdout before a kill -3 dump, jcmd's "<pid>:" line) is skipped. For a
// container log that may hold several dumps, pass DumpFromLog's result. A cut-off dump
// yields the threads it has, with Complete false. It returns ErrNoThreadDump when text
// has neither a banner nor a thread.
func ParseThreadDump(text string) (*Dump, error) {
	return ParseThreadDumpTIDs(text, nil)
}

// ParseThreadDumpTIDs is ParseThreadDump knowing the kernel tids of the JVM's threads (from
// /proc, nil when unknown): a header whose nid is not one of them is less likely real. It
// only matters for dumps without the SMR thread list (JDK 8), see findThreads.
func ParseThreadDumpTIDs(text string, tids map[int]bool) (*Dump, error) {
	lines := splitLines(text)
	first, banner := 0, -1
	d := &Dump{}
	for i, l := range lines {
		if strings.HasPrefix(l.text, bannerPrefix) {
			first, banner = i, i
			d.JVM = strings.TrimSuffix(strings.TrimPrefix(l.text, bannerPrefix), ":")
			if i > 0 && isDumpTimestamp(lines[i-1].text) {
				first = i - 1
				d.Timestamp = lines[i-1].text
			}
			break
		}
	}
	bodyFrom := first
	var smr map[string]bool
	if banner >= 0 {
		bodyFrom = banner + 1
		smr, d.JavaThreads, bodyFrom = parseSMR(lines, bodyFrom)
	}
	found := findThreads(lines, bodyFrom, smr, d.JavaThreads, tids)
	d.ambiguous, d.unseen = found.ambiguous, found.unseen
	d.Problems = found.problems

	d.Threads = make([]Thread, 0, len(found.blocks))
	frames := make([]Frame, 0, strings.Count(text, "\tat "))
	for _, b := range found.blocks {
		nameLine := lines[b.tail]
		t, _, _ := parseTail(nameLine.text) // known to parse: it was chosen as a tail
		// The name runs from after the opening quote of the header's first line to the last
		// quote of the tail line, line breaks included.
		t.Name = text[lines[b.start].start+1 : nameLine.start+strings.LastIndexByte(nameLine.text, '"')]
		frameStart := len(frames)
		inOwned := false
		for _, l := range lines[b.tail+1 : b.end] {
			trimmed := strings.TrimSpace(l.text)
			switch {
			case strings.HasPrefix(trimmed, stateLinePrefx):
				state := strings.TrimSpace(strings.TrimPrefix(trimmed, stateLinePrefx))
				if sp := strings.IndexByte(state, ' '); sp >= 0 {
					t.State, t.StateInfo = state[:sp], strings.TrimSpace(state[sp+1:])
				} else {
					t.State = state
				}
			case strings.HasPrefix(trimmed, "at "):
				// One backing array for all frames; the full slice expression keeps a caller's
				// append to one thread's frames from overwriting the next thread's.
				frames = append(frames, parseFrame(trimmed[len("at "):]))
				t.Frames = frames[frameStart:len(frames):len(frames)]
			case trimmed == ownedHeader:
				inOwned = true
			case strings.HasPrefix(trimmed, "- "):
				body := trimmed[len("- "):]
				if inOwned {
					if body != "None" {
						lk := parseLock(body)
						lk.Kind, lk.Frame = "owned", -1
						t.OwnedSyncs = append(t.OwnedSyncs, lk)
					}
					continue
				}
				lk := parseLock(body)
				lk.Frame = len(t.Frames) - 1
				t.Locks = append(t.Locks, lk)
			}
		}
		d.Threads = append(d.Threads, t)
	}

	// After the threads: "JNI global refs", then only deadlock sections belong to the dump;
	// anything else (the "Heap" summary after kill -3, later log output) ends it.
	end := len(text)
	if found.end < len(lines) {
		end = lines[found.end].start
	}
	if found.jni {
		d.Complete = true
		end = lines[found.end].end
		deadlockStart := -1
		closeDeadlock := func(endOff int) {
			if deadlockStart >= 0 {
				d.Deadlocks = append(d.Deadlocks, strings.TrimRight(text[deadlockStart:endOff], "\r\n\t "))
				deadlockStart = -1
			}
		}
	after:
		for _, l := range lines[found.end+1:] {
			switch {
			case strings.HasPrefix(l.text, deadlockPrefix):
				closeDeadlock(l.start)
				deadlockStart = l.start
			case deadlockStart >= 0:
				// "Found 2 deadlocks." closes the last section and the dump.
				if strings.HasPrefix(l.text, "Found ") && strings.Contains(l.text, " deadlock") {
					closeDeadlock(l.start)
					end = l.end
					break after
				}
			case strings.TrimSpace(l.text) != "":
				break after
			}
		}
		if deadlockStart >= 0 { // cut off inside a deadlock section
			closeDeadlock(len(text))
			end = len(text)
		}
	}
	if d.JVM == "" && len(d.Threads) == 0 {
		return nil, ErrNoThreadDump
	}
	start := 0
	if first < len(lines) {
		start = lines[first].start
	}
	if end < start {
		end = start
	}
	d.Raw = text[start:end]
	return d, nil
}

// parseSMR reads the "Threads class SMR info" block that follows the banner (JDK 10+): the
// addresses (tid=) of every Java thread the dump lists, and their count. It returns the line
// after the block, or from when there is none or it cannot be read.
//
//	Threads class SMR info:
//	_java_thread_list=0x00007fa880003090, length=36, elements={
//	0x00007fa8cc02a810, 0x00007fa8cc0bc830, ...
//	}
func parseSMR(lines []line, from int) (addrs map[string]bool, length, next int) {
	i := from
	for i < len(lines) && strings.TrimSpace(lines[i].text) == "" {
		i++
	}
	if i+1 >= len(lines) || lines[i].text != smrHeader || !strings.HasPrefix(lines[i+1].text, "_java_thread_list=") {
		return nil, 0, from
	}
	head := lines[i+1].text
	_, after, ok := strings.Cut(head, "length=")
	if !ok {
		return nil, 0, from
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(after, ",", 2)[0]))
	if err != nil || n < 0 || !strings.HasSuffix(head, "elements={") {
		return nil, 0, from
	}
	addrs = make(map[string]bool, n)
	for j := i + 2; j < len(lines); j++ {
		l := strings.TrimSpace(lines[j].text)
		if l == "}" {
			if len(addrs) != n {
				return nil, 0, from // not the list HotSpot prints: rely on the text alone
			}
			return addrs, n, j + 1
		}
		for _, a := range strings.Split(l, ",") {
			if a = strings.TrimSpace(a); a != "" {
				if !strings.HasPrefix(a, "0x") {
					return nil, 0, from
				}
				addrs[a] = true
			}
		}
	}
	return nil, 0, from
}

// threadBlock is one thread in the dump's lines: its header from start (the line with the
// opening quote) to tail (the line with the closing quote and the header's fields), then its
// stack, locks and synchronizers up to end (exclusive).
type threadBlock struct{ start, tail, end int }

type foundThreads struct {
	blocks    []threadBlock
	end       int  // first line after the threads: the "JNI global refs" line when jni
	jni       bool // the threads ended with the "JNI global refs" line
	ambiguous bool
	unseen    bool // some threads of the SMR list were not seen
	problems  []string
}

// Weights of a header-like line (a "tail": closing quote followed by the header's fields) in
// the choice of real headers below.
const (
	weightConfirmed = 1 << 20 // its tid= is in the SMR list, or it is a VM thread after all Java threads
	weightLikely    = 100     // nothing says otherwise, or its nid is one of the JVM's tids
	weightUnlikely  = -1      // its nid is not one of the JVM's tids: chosen only to explain the layout
	costStrayLine   = 50      // a line in a stack that no stack holds (not indented, not blank)
)

// findThreads tells the thread headers of a dump from text in thread names.
//
// HotSpot prints a thread name raw between quotes, so a name may hold line breaks, quotes and
// whole lines that look like another thread's header, state or frames. What a name cannot
// change is how the real blocks fit together, and what the dump says about its threads:
//
//  1. A real header ends with a "tail": after the line's last quote, the header's fields
//     (#id, [tid], daemon, prio=, os_prio=, cpu=, elapsed=, tid=0x…, nid=…, state, [0x…]).
//     Every line that ends so is a candidate; a fake header in a name is one too.
//  2. A real header begins at the first line starting with a quote after the previous
//     thread's tail: the lines of a stack (state, "at", "-", synchronizers, "No compile
//     task", blank) are indented or empty and never start with a quote. So once the real
//     tails are known, every name, stack and thread is known.
//  3. JDK 10+ lists the tid= address of every Java thread in "Threads class SMR info", and
//     prints all Java threads before any VM thread. With that list a Java candidate is real
//     exactly when its address is listed (a name cannot know the address of a JavaThread), and
//     a VM-thread candidate only after the last real Java thread. The dump ends at the first
//     "JNI global refs" line after every listed thread was seen.
//  4. Without the list (JDK 8, or a list that cannot be read), the real tails are the set that
//     best explains the text: every chosen tail counts, more when its nid is a tid the probe
//     saw in /proc, and every non-indented line it would leave inside a stack costs. A header-
//     like line inside a name leaves the rest of that name (which ends in the real tail) as
//     stray lines in its "stack" and is not chosen; a name built to look like a complete thread
//     (header, state, frames, blank line, a new quote) cannot be told apart by text alone: it
//     is then kept as a thread, so that every real thread keeps its own frames (a guess that
//     merges threads would give one thread another's stack), and the dump is marked ambiguous
//     so that Analyze can decide again with the tids. The tids are no proof: a JVM running
//     as PID 1 has a thread with tid 1 (its launcher), the nid a fake header would guess;
//     only the SMR list rules such a header out.
func findThreads(lines []line, from int, smr map[string]bool, javaThreads int, tids map[int]bool) foundThreads {
	type candidate struct {
		line   int
		weight int
		java   bool
		addr   string
		// ownStart: the line can also begin its header (it starts with a quote that is not
		// its closing quote); else its header must begin on an earlier line.
		ownStart bool
	}
	limit := nextDumpBanner(lines, from, smr)
	var cands []candidate
	for i := from; i < limit; i++ {
		t, addr, ok := parseTail(lines[i].text)
		if ok {
			l := lines[i].text
			cands = append(cands, candidate{line: i, java: t.JavaID != 0, addr: addr,
				ownStart: strings.HasPrefix(l, `"`) && strings.LastIndexByte(l, '"') > 0})
		}
	}
	res := foundThreads{end: limit}

	// The end of the threads: the first JNI line after every listed Java thread was seen (3),
	// else the first JNI line after which no candidate follows.
	useSMR := false
	if smr != nil {
		seen := map[string]bool{}
		for _, c := range cands {
			if c.java && smr[c.addr] {
				seen[c.addr] = true
			}
			if len(seen) == javaThreads {
				for i := c.line + 1; i < limit; i++ {
					if strings.HasPrefix(lines[i].text, jniRefsPrefix) {
						res.end, res.jni = i, true
						break
					}
				}
				useSMR = true
				break
			}
		}
		// A cut-off dump lists threads it never printed: the list still tells real from fake.
		res.unseen = len(seen) < javaThreads
		useSMR = useSMR || len(seen) > 0
	}
	if !res.jni {
		next := 0
		for i := from; i < limit; i++ {
			for next < len(cands) && cands[next].line <= i {
				next++
			}
			if strings.HasPrefix(lines[i].text, jniRefsPrefix) && next == len(cands) {
				res.end, res.jni = i, true
				break
			}
		}
	}
	for len(cands) > 0 && cands[len(cands)-1].line >= res.end {
		cands = cands[:len(cands)-1]
	}

	// Weigh the candidates; with the SMR list, drop those it rules out.
	kept := cands[:0]
	lastJava := -1
	if useSMR {
		for _, c := range cands {
			if c.java && smr[c.addr] {
				lastJava = c.line
			}
		}
	}
	for _, c := range cands {
		switch {
		case useSMR && c.java && smr[c.addr]:
			c.weight = weightConfirmed
		case useSMR && (c.java || smr[c.addr] || c.line < lastJava):
			continue // a Java header the list does not have, or a VM header among Java threads
		case useSMR:
			c.weight = weightConfirmed // a VM thread after all Java threads: names there are HotSpot's
		case tids != nil && !tids[mustNID(lines[c.line].text)]:
			c.weight = weightUnlikely
		default:
			c.weight = weightLikely
		}
		kept = append(kept, c)
	}
	cands = kept

	// stray[i] counts the lines before i that no stack holds: not blank, not indented.
	stray := make([]int, res.end-from+1)
	firstQuote := make([]int, res.end-from+1) // first line >= i starting with a quote, or res.end
	firstQuote[res.end-from] = res.end
	for i := res.end - 1; i >= from; i-- {
		firstQuote[i-from] = firstQuote[i-from+1]
		if strings.HasPrefix(lines[i].text, `"`) {
			firstQuote[i-from] = i
		}
	}
	for i := from; i < res.end; i++ {
		t := lines[i].text
		s := 0
		if t != "" && t[0] != ' ' && t[0] != '\t' && strings.TrimSpace(t) != "" {
			s = 1
		}
		stray[i-from+1] = stray[i-from] + s
	}
	strayIn := func(a, b int) int { return stray[b-from] - stray[a-from] } // lines [a, b)
	nextQuote := func(i int) int { return firstQuote[i-from] }

	// Best choice of real tails, in one pass: a tail j may follow a tail i when the header of
	// j starts after i's stack, i.e. at the first quote line after i, and that is not after j.
	// Quote lines only move forward with i, so the tails that may precede j are a prefix.
	n := len(cands)
	best := make([]int, n)
	prev := make([]int, n)
	startQuote := nextQuote(from)
	bestPrefix, bestPrefixAt, p := math.MinInt, -1, 0
	for j, c := range cands {
		for p < j && (nextQuote(cands[p].line+1) < c.line || c.ownStart && nextQuote(cands[p].line+1) == c.line) {
			if v := best[p] - costStrayLine*strayIn(cands[p].line+1, nextQuote(cands[p].line+1)); v > bestPrefix {
				bestPrefix, bestPrefixAt = v, p
			}
			p++
		}
		best[j], prev[j] = math.MinInt, -2
		if startQuote < c.line || c.ownStart && startQuote == c.line {
			best[j], prev[j] = c.weight, -1
		}
		if bestPrefixAt >= 0 && bestPrefix+c.weight > best[j] {
			best[j], prev[j] = bestPrefix+c.weight, bestPrefixAt
		}
	}
	last, lastScore := -1, 0
	for j := range cands {
		if prev[j] == -2 {
			continue
		}
		if v := best[j] - costStrayLine*strayIn(cands[j].line+1, res.end); v > lastScore || last < 0 {
			last, lastScore = j, v
		}
	}
	var chosen []int
	for j := last; j >= 0; j = prev[j] {
		chosen = append(chosen, j)
	}
	slices.Reverse(chosen)
	for k, j := range chosen {
		b := threadBlock{start: startQuote, tail: cands[j].line, end: res.end}
		if k > 0 {
			b.start = nextQuote(cands[chosen[k-1]].line + 1)
		}
		if k+1 < len(chosen) {
			b.end = nextQuote(cands[j].line + 1)
		}
		res.blocks = append(res.blocks, b)
	}

	if useSMR {
		java := 0
		for _, j := range chosen {
			if cands[j].java {
				java++
			}
		}
		if res.jni && java != javaThreads {
			res.problems = append(res.problems, fmt.Sprintf("the thread dump lists %d Java threads, %d were read", javaThreads, java))
		}
	} else {
		res.ambiguous = len(chosen) != len(cands) || lastScore < 0 || strayIn(from, res.end) > 0
		if tids == nil && res.ambiguous && len(cands) > 0 {
			res.problems = append(res.problems, "some thread names hold text that looks like thread headers; without the dump's thread list they were told apart by layout")
		}
	}
	return res
}

// nextDumpBanner finds where a later dump starts in the same text (a container log after two
// kill -3): its timestamp line, else its banner line; len(lines) when none does. With the SMR
// list, a banner counts only when its own list shares a thread with ours: a banner inside a
// thread name cannot know a JavaThread's address, and the threads of one JVM outlive a dump.
// Without the list, any banner at the start of a line ends the dump.
func nextDumpBanner(lines []line, from int, smr map[string]bool) int {
	for i := from; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i].text, bannerPrefix) {
			continue
		}
		if smr != nil {
			theirs, _, _ := parseSMR(lines, i+1)
			shared := false
			for a := range theirs {
				if smr[a] {
					shared = true
					break
				}
			}
			if !shared {
				continue
			}
		}
		if i > from && isDumpTimestamp(lines[i-1].text) {
			return i - 1
		}
		return i
	}
	return len(lines)
}

// mustNID is the nid of a line known to hold a tail, 0 when it has none.
func mustNID(s string) int {
	t, _, _ := parseTail(s)
	return t.NativeID
}

// maxUncutReads bounds how often DumpFromLog reads a dump past the next banner.
const maxUncutReads = 8

// DumpFromLog picks the LAST complete thread dump out of a container log read back after
// kill -3 (application output may come before, between and after dumps). When no dump is
// complete it returns the last partial one with complete false; "" when there is none.
//
// A thread name may hold a line "Full thread dump …", even a whole fake dump: a banner counts
// only when no dump that starts at an earlier banner runs past it.
func DumpFromLog(log string) (dump string, complete bool) {
	var starts []int // offsets of the banners at a line start, with their timestamp line
	for off := 0; ; {
		i := strings.Index(log[off:], bannerPrefix)
		if i < 0 {
			break
		}
		i += off
		off = i + len(bannerPrefix)
		if i > 0 && log[i-1] != '\n' { // "Full thread dump" inside a line is not a banner
			continue
		}
		start := i
		if i > 0 { // include the timestamp line before the banner; log[i-1] is its '\n'
			prev := strings.LastIndexByte(log[:i-1], '\n') + 1
			if isDumpTimestamp(strings.TrimSuffix(log[prev:i-1], "\r")) {
				start = prev
			}
		}
		starts = append(starts, start)
	}
	// In log order: a banner before the end of the dump that an earlier banner starts is text
	// in that dump (a thread name), not a dump of its own. Each dump is first read up to the
	// next banner, which keeps the work linear in the log; only a dump whose SMR list still
	// misses threads at that banner (a banner inside one of its names) is read again
	// to its own end, a bounded number of times so that a log full of banners stays cheap.
	var lastComplete, lastPartial string
	dumpEnd, uncut := -1, 0
	for k, start := range starts {
		if start < dumpEnd {
			continue
		}
		next := len(log)
		for _, s := range starts[k+1:] {
			if s > start {
				next = s
				break
			}
		}
		d, err := ParseThreadDump(log[start:next])
		if err == nil && d.unseen && next < len(log) && uncut < maxUncutReads {
			uncut++
			if whole, err := ParseThreadDump(log[start:]); err == nil {
				d = whole
			}
		}
		if err != nil {
			continue
		}
		dumpEnd = start + len(d.Raw)
		if d.Complete {
			lastComplete = d.Raw
		} else {
			lastPartial = d.Raw
		}
	}
	if lastComplete != "" {
		return lastComplete, true
	}
	return lastPartial, false
}

// parseThreadHeader reads a thread header line:
//
//	"<name>" #<id> [<tid>] daemon prio=5 os_prio=0 cpu=.. elapsed=.. tid=0x.. nid=0x2d5c <state> [0x..]
//	"VM Thread" os_prio=0 cpu=.. elapsed=.. tid=0x.. nid=11779 runnable
//
// Names may hold quotes; the rest of the line never does, so the name ends at the
// line's last '"'. Lines without nid= (the deadlock report's `"deadlock-1":`) are not headers.
func parseThreadHeader(line string) (Thread, bool) {
	if !strings.HasPrefix(line, `"`) {
		return Thread{}, false
	}
	closing := strings.LastIndexByte(line, '"')
	if closing < 1 {
		return Thread{}, false
	}
	t, _, ok := parseTail(line)
	if !ok {
		return Thread{}, false
	}
	t.Name = line[1:closing]
	return t, true
}

// parseTail reads the end of a header line: what follows its last quote must be the header's
// fields and nothing else, with a native id (nid= or JDK 19+'s [tid]). It returns the fields
// and the tid= address ("" when absent); the name is left to the caller.
func parseTail(line string) (Thread, string, bool) {
	closing := strings.LastIndexByte(line, '"')
	if closing < 0 {
		return Thread{}, "", false
	}
	rest := line[closing+1:]
	if rest == "" || rest[0] != ' ' {
		return Thread{}, "", false
	}
	t := Thread{InDump: true}
	var addr string
	bracketTID := 0
	haveNID, inState := false, false
	fields := strings.Fields(rest)
	for i, f := range fields {
		if !inState {
			known := true
			switch {
			case strings.HasPrefix(f, "#"):
				v, err := strconv.ParseInt(f[1:], 10, 64)
				known = err == nil && v > 0
				t.JavaID = v
			case f == "daemon":
				t.Daemon = true
			case strings.HasPrefix(f, "prio="):
				v, err := strconv.Atoi(f[len("prio="):])
				known = err == nil
				t.Priority = v
			case strings.HasPrefix(f, "nid="):
				v, ok := parseNativeID(f[len("nid="):])
				known, haveNID = ok, ok
				t.NativeID = v
				if !ok {
					return Thread{}, "", false
				}
			case strings.HasPrefix(f, "tid=0x"):
				addr = f[len("tid="):]
				known = isHex(addr[2:])
			case len(f) > 2 && f[0] == '[' && f[len(f)-1] == ']' && !strings.HasPrefix(f, "[0x"):
				// JDK 19+: "[11789]", the same tid as nid=.
				v, err := strconv.Atoi(f[1 : len(f)-1])
				known = err == nil && v > 0
				bracketTID = v
			default:
				// os_prio=, cpu=, elapsed=, allocated=, defined_classes= and fields to come.
				k, v, ok := strings.Cut(f, "=")
				known = ok && k != "" && v != "" && isFieldKey(k)
			}
			if known {
				continue
			}
			inState = true
		}
		// The state: words of letters, dots and parentheses ("in Object.wait()"), then
		// optionally the stack's address "[0x…]" as the last field.
		if i == len(fields)-1 && strings.HasPrefix(f, "[0x") && strings.HasSuffix(f, "]") && isHex(f[3:len(f)-1]) {
			continue
		}
		if !isStateWord(f) {
			return Thread{}, "", false
		}
	}
	if !haveNID {
		if bracketTID == 0 {
			return Thread{}, "", false
		}
		t.NativeID = bracketTID
	}
	return t, addr, true
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

func isFieldKey(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

func isStateWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && c != '.' && c != '(' && c != ')' {
			return false
		}
	}
	return true
}

// parseNativeID reads nid=0x2d5c (JDK ≤ 20) or nid=11789 (JDK 21+).
func parseNativeID(s string) (int, bool) {
	base := 10
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		s, base = s[2:], 16
	}
	v, err := strconv.ParseInt(s, base, 32)
	if err != nil || v < 0 {
		return 0, false
	}
	return int(v), true
}

// parseFrame reads what follows "at ": "java.lang.Thread.sleep(java.base@17.0.15/Native Method)".
func parseFrame(s string) Frame {
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return Frame{Method: s}
	}
	return Frame{Method: s[:open], Source: strings.TrimSuffix(s[open+1:], ")")}
}

// parseLock reads a lock line without its "- ":
//
//	waiting on <0x000000069ec02f40> (a java.lang.ref.ReferenceQueue$Lock)
//	parking to wait for  <0x...> (a java.util.concurrent.locks.ReentrantLock$NonfairSync)
//	waiting to re-lock in wait() <0x...> (a java.lang.Object)
//	<0x...> (a java.util.concurrent.locks.ReentrantLock$NonfairSync)   (owned synchronizer)
func parseLock(s string) Lock {
	open := strings.IndexByte(s, '<')
	if open < 0 {
		return Lock{Kind: s}
	}
	lk := Lock{Kind: strings.TrimSpace(s[:open])}
	if lk.Kind == "waiting to re-lock in wait()" {
		lk.Kind = "waiting to re-lock"
	}
	rest := s[open+1:]
	if gt := strings.IndexByte(rest, '>'); gt >= 0 {
		if id := rest[:gt]; strings.HasPrefix(id, "0x") {
			lk.ID = id
		}
		rest = rest[gt+1:]
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "(a ") && strings.HasSuffix(rest, ")") {
		lk.Class = rest[len("(a ") : len(rest)-1]
	}
	return lk
}

// isDumpTimestamp matches the "2026-11-22 10:31:52" line HotSpot prints before the banner.
func isDumpTimestamp(s string) bool {
	if len(s) != len("2006-01-02 15:04:05") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 4, 7:
			if c != '-' {
				return false
			}
		case 10:
			if c != ' ' {
				return false
			}
		case 13, 16:
			if c != ':' {
				return false
			}
		default:
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// line is one line of a text, without its line break; start and end are byte offsets
// of the line's text (end excludes the break).
type line struct {
	text       string
	start, end int
}

func splitLines(text string) []line {
	lines := make([]line, 0, strings.Count(text, "\n")+1)
	for off := 0; off < len(text); {
		nl := strings.IndexByte(text[off:], '\n')
		next := len(text)
		end := len(text)
		if nl >= 0 {
			end = off + nl
			next = end + 1
		}
		lines = append(lines, line{text: strings.TrimSuffix(text[off:end], "\r"), start: off, end: end})
		off = next
	}
	return lines
}
