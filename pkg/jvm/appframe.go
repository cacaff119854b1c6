package jvm

import (
	"regexp"
	"strings"
)

// jdkPrefixes are the packages of the JDK, not of the application. The frontend keeps the same
// list (src/utils/frames.ts); contract/frames/top-app-frame.json holds the cases both test.
var jdkPrefixes = [...]string{"java.", "javax.", "jdk.", "sun.", "com.sun."}

// IsJDKFrame reports whether a frame's method belongs to the JDK.
func IsJDKFrame(method string) bool {
	for _, p := range jdkPrefixes {
		if strings.HasPrefix(method, p) {
			return true
		}
	}
	return false
}

// TopAppFrame is the first frame of the application's own code, from the top of the stack:
// the line that says where in their code a thread is. ok is false for a stack of JDK frames
// only (a JDK thread) or no frames (a VM thread).
func TopAppFrame(frames []Frame) (Frame, bool) {
	for _, f := range frames {
		if !IsJDKFrame(f.Method) {
			return f, true
		}
	}
	return Frame{}, false
}

// generatedClassSuffix matches the per-run parts of generated class names: a lambda's
// "$$Lambda$14/0x0000000800c03000" (JDK ≤ 20) or "$$Lambda/0x0000000058040210" (JDK 21+), and
// a hidden class's "/0x…" in general.
var generatedClassSuffix = regexp.MustCompile(`(\$\$Lambda)(\$[0-9]+)?/0x[0-9a-fA-F]+|/0x[0-9a-fA-F]+`)

// FrameKey is a frame's method as it is compared across captures: the same code in another run
// or build of the JVM gives the same key. A frame's method never has a line number (that is in
// Frame.Source); what varies between runs is the address of generated (lambda, hidden) classes,
// which the key drops.
func FrameKey(method string) string {
	if !strings.Contains(method, "/0x") {
		return method
	}
	return generatedClassSuffix.ReplaceAllString(method, "$1")
}
