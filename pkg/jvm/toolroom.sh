# tool_room: whether a dump tool's JVM fits in the container's memory. jcmd's or the attach
# client's JVM peaks at 37-50 MB resident (JDK 17-25); started in a container at its limit it makes the
# kernel's OOM killer pick the largest process there, which is the workload. Returns 0 when
# there is room (or no limit, or nothing readable), else 1 with _why saying why not. The
# measure is the working set, as the kubelet and the OOM killer see it: usage minus inactive
# page cache, against the container's own cgroup (cgroup v2, else v1), as mounted inside it.
# STACKCAPTURE_CGROUP_ROOT points elsewhere (tests).
tool_room() {
	_cg=${STACKCAPTURE_CGROUP_ROOT:-/sys/fs/cgroup}
	_lim= _use= _inact=
	if [ -r "$_cg/memory.max" ]; then
		IFS= read -r _lim <"$_cg/memory.max"
		IFS= read -r _use 2>/dev/null <"$_cg/memory.current"
		_inact=$(cgroup_stat "$_cg/memory.stat" inactive_file)
	elif [ -r "$_cg/memory/memory.limit_in_bytes" ]; then
		IFS= read -r _lim <"$_cg/memory/memory.limit_in_bytes"
		IFS= read -r _use 2>/dev/null <"$_cg/memory/memory.usage_in_bytes"
		_inact=$(cgroup_stat "$_cg/memory/memory.stat" total_inactive_file)
	fi
	# "max" (v2) is no limit; v1 says so with 9223372036854771712 (2^63 rounded down to a page),
	# which the shell's 64-bit arithmetic holds. Twenty digits or more would not: no objection.
	case $_lim in '' | *[!0-9]* | ????????????????????*) return 0 ;; esac
	case $_use in '' | *[!0-9]* | ????????????????????*) return 0 ;; esac
	case $_inact in '' | *[!0-9]* | ????????????????????*) _inact=0 ;; esac
	_ws=$((_use - _inact))
	[ "$_ws" -lt 0 ] && _ws=0
	[ $((_lim - _ws)) -ge $((tool_room_mib * 1048576)) ] && return 0
	_why="the container uses $((_ws / 1048576)) MiB of its $((_lim / 1048576)) MiB memory limit: a dump tool's JVM (about 50 MiB) could get the workload OOM-killed, so none was started"
	return 1
}

# tool_room_mib: the room a dump tool's JVM needs, with a margin for the workload's own growth.
tool_room_mib=96

# cgroup_stat FILE KEY: KEY's value in a memory.stat file; empty when absent.
cgroup_stat() {
	while IFS=' ' read -r _k _v; do
		[ "$_k" = "$2" ] && {
			printf '%s' "$_v"
			return 0
		}
	done 2>/dev/null <"$1"
}
