package jvm

import (
	_ "embed"
	"strings"
)

// The probe's attach client: attach/StackCaptureAttach.java, compiled by `go generate` with
// JDK 17's javac for Java 16 (its unix sockets), without debug tables and with string
// concatenation inlined (no invokedynamic to bootstrap in a cold JVM). TestAttachClassMatchesSource
// fails when the class and its source disagree.
//
//go:generate sh -c "javac --release 16 -XDstringConcat=inline -g:none -d attach attach/StackCaptureAttach.java"
//go:embed attach/StackCaptureAttach.class
var attachClass []byte

// attachClassPlaceholder is where probe.sh's write_attach_class takes the class bytes.
const attachClassPlaceholder = "@STACKCAPTURE_ATTACH_CLASS@"

// attachClassPrintf returns the class file as a printf format inside single quotes: printable
// bytes as themselves; the rest, and the three printable bytes printf or the quotes would read
// (backslash, percent, single quote), as three-digit octal escapes, which POSIX printf, dash
// and busybox read alike.
func attachClassPrintf() string { return encodePrintf(attachClass) }

func encodePrintf(data []byte) string {
	var b strings.Builder
	b.Grow(len(data) * 2)
	for _, c := range data {
		if c >= 0x20 && c < 0x7f && c != '\\' && c != '%' && c != '\'' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('\\')
		b.WriteByte('0' + c>>6)
		b.WriteByte('0' + c>>3&7)
		b.WriteByte('0' + c&7)
	}
	return b.String()
}
