package jvm

import (
	"bytes"
	_ "embed"
)

// toolRoomScript is tool_room (toolroom.sh): whether a dump tool's JVM fits in the container's
// memory. The thread probe and the heap probe both start such JVMs and both include it.
//
//go:embed toolroom.sh
var toolRoomScript []byte

// toolRoomPlaceholder is the line of a script where WithToolRoom puts toolroom.sh.
const toolRoomPlaceholder = "# @STACKCAPTURE_TOOL_ROOM@\n"

// WithToolRoom returns a new copy of script with toolroom.sh in place of its placeholder line.
func WithToolRoom(script []byte) []byte {
	return bytes.Replace(script, []byte(toolRoomPlaceholder), toolRoomScript, 1)
}
