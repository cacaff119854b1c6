package jvmheap

import (
	"strconv"
	"strings"
)

// Histogram is the top of GC.class_histogram: classes by shallow bytes with instance counts.
type Histogram struct {
	// All is true for "-all" (no full GC first: unreachable objects are counted too).
	All     bool          `json:"all"`
	Top     []ClassBucket `json:"top"`
	Total   ClassBucket   `json:"total"`        // Class empty; from the Total line, 0 if it was cut
	Omitted int64         `json:"omittedBytes"` // bytes of the classes below the top
}

// ClassBucket is one histogram row.
type ClassBucket struct {
	Rank      int    `json:"rank,omitempty"`
	Class     string `json:"class,omitempty"`   // the JVM's name: "HeapGrow$Block", "[B", "[Ljava.lang.Object;"
	Display   string `json:"display,omitempty"` // Java source form: "byte[]", "java.lang.Object[]"
	Module    string `json:"module,omitempty"`  // "java.base@17.0.15", empty for the class path
	Instances int64  `json:"instances"`
	Bytes     int64  `json:"bytes"`
}

// ParseHistogram reads GC.class_histogram's text (JDK 17 and 25, with or without -all) and
// keeps the first top rows in the JVM's order (by bytes). Rows that do not parse are
// skipped; ok is false when there was no row and no Total line.
func ParseHistogram(text string, top int) (h Histogram, ok bool) {
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if rest, found := strings.CutPrefix(line, "Total"); found {
			f := strings.Fields(rest)
			if len(f) == 2 {
				h.Total.Instances, _ = strconv.ParseInt(f[0], 10, 64)
				h.Total.Bytes, _ = strconv.ParseInt(f[1], 10, 64)
				ok = true
			}
			continue
		}
		b, rowOK := parseHistogramRow(line)
		if !rowOK {
			continue
		}
		ok = true
		if len(h.Top) < top {
			h.Top = append(h.Top, b)
		}
	}
	if h.Total.Bytes > 0 {
		var shown int64
		for _, b := range h.Top {
			shown += b.Bytes
		}
		h.Omitted = max(h.Total.Bytes-shown, 0)
	}
	return h, ok
}

// parseHistogramRow reads "   1:        648078       93323232  HeapGrow$Block (module)".
func parseHistogramRow(line string) (ClassBucket, bool) {
	rank, rest, found := strings.Cut(line, ":")
	if !found {
		return ClassBucket{}, false
	}
	r, err := strconv.Atoi(rank)
	if err != nil || r < 1 {
		return ClassBucket{}, false
	}
	f := strings.Fields(rest)
	if len(f) < 3 {
		return ClassBucket{}, false
	}
	inst, err1 := strconv.ParseInt(f[0], 10, 64)
	bytes, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || inst < 0 || bytes < 0 {
		return ClassBucket{}, false
	}
	b := ClassBucket{Rank: r, Class: f[2], Instances: inst, Bytes: bytes}
	if len(f) >= 4 {
		mod := strings.Join(f[3:], " ")
		if strings.HasPrefix(mod, "(") && strings.HasSuffix(mod, ")") {
			b.Module = mod[1 : len(mod)-1]
		} else {
			b.Class += " " + mod // a hidden class or an odd name: keep it whole
		}
	}
	b.Display = displayName(b.Class)
	return b, true
}

var primitiveArrays = map[byte]string{
	'Z': "boolean", 'B': "byte", 'C': "char", 'S': "short",
	'I': "int", 'J': "long", 'F': "float", 'D': "double",
}

// displayName turns a JVM array descriptor into Java's form ("[[B" → "byte[][]").
func displayName(class string) string {
	dims := 0
	for dims < len(class) && class[dims] == '[' {
		dims++
	}
	if dims == 0 || dims == len(class) {
		return class
	}
	elem := class[dims:]
	var name string
	if p, ok := primitiveArrays[elem[0]]; ok && len(elem) == 1 {
		name = p
	} else if elem[0] == 'L' && strings.HasSuffix(elem, ";") {
		name = elem[1 : len(elem)-1]
	} else {
		return class
	}
	return name + strings.Repeat("[]", dims)
}
