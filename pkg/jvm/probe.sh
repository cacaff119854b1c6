# Stack Capture probe. Sent on stdin to `sh -s -- WINDOW_MS [DUMP_TIMEOUT_S]` inside a
# container: finds the JVMs, samples per-thread CPU from /proc over one window, then takes
# a thread dump of each. Needs only a POSIX /bin/sh (dash, busybox ash, bash); every
# external tool is optional and sits behind `have`, with a builtin fallback or a clear
# in-band error.
#
# Output protocol, version 1. Every line is either
#   a record:     "@sc KIND ARGS..."
#   a data line:  "|TEXT"   (belongs to the record before it)
# Data lines always start with "|", so nothing a JVM prints (thread names included) can
# forge a record. Records:
#   @sc stackcapture-probe 1         first line
#   @sc clk_tck N                    only if getconf exists (Go assumes 100)
#   @sc window_ms N                  the requested window
#   @sc jvm PID + one data line      a JVM and its cmdline (NULs as spaces, capped)
#   @sc start|end PID UPTIME + data  /proc/uptime seconds, then one task stat per line
#   @sc dump PID TOOL EXIT + data    the tool's stdout and stderr
#   @sc dump_start|dump_end PID UPTIME  /proc/uptime seconds when the tool was asked for the
#                                    dump and when it returned (optional: older probes lack them)
#   @sc sigquit PID EPOCH|- REASON   SIGQUIT sent: the dump is in the container log
#   @sc error PID MESSAGE [+ data]   something failed for this JVM
#   @sc nojvm                        no JVM found
#   @sc done                         the protocol completed
# The exit code is 0 whenever the protocol completed: errors are reported in-band.

# Everything runs inside main, whose stdin is /dev/null: the shell reads this script from
# stdin, and a child that read stdin (jcmd, sed, ...) would swallow the rest of it. The
# final `exit` matters too: some exec transports never deliver EOF on stdin.
main() {
	# fd 4 is the probe's output: the window's samples are written from inside the pipeline
	# that feeds the early dump tool (see window), whose own stdout is captured.
	exec 4>&1
	nl='
'
	window_ms=$1
	dump_timeout=$2
	case $window_ms in '' | *[!0-9]*) window_ms=1000 ;; esac
	case $dump_timeout in '' | *[!0-9]*) dump_timeout=30 ;; esac

	echo "@sc stackcapture-probe 1"
	if have getconf; then
		t=$(getconf CLK_TCK 2>/dev/null)
		case $t in '' | *[!0-9]*) ;; *) echo "@sc clk_tck $t" ;; esac
	fi
	echo "@sc window_ms $window_ms"

	# STACKCAPTURE_PIDS restricts the search (tests, a kubelet emulator that runs on the
	# host, or users who know their pid). set -f: the list is split, never globbed.
	set -f
	if [ -n "${STACKCAPTURE_PIDS:-}" ]; then
		candidates=$STACKCAPTURE_PIDS
	else
		set +f
		candidates=
		for d in /proc/[0-9]*; do candidates="$candidates ${d#/proc/}"; done
		set -f
	fi
	jvms=
	for p in $candidates; do
		case $p in '' | *[!0-9]*) continue ;; esac
		is_jvm "$p" && jvms="$jvms $p"
	done
	set +f

	if [ -z "$jvms" ]; then
		echo "@sc nojvm"
		echo "@sc done"
		return 0
	fi

	for p in $jvms; do
		echo "@sc jvm $p"
		printf '|%.4096s\n' "$(proc_text "$p" cmdline)"
	done
	# The dump tools are Java programs: starting one costs far more than the dump itself. The
	# first JVM's dump tool is started before the window and waits for its command on a pipe,
	# so the dump is taken as soon as the window closes: the probe's own attach client where
	# the JVM's java can run it, else jcmd. One tool JVM at a time, as before: the container's
	# memory limit is shared with the workload.
	early_pid= early_out= early_rc= early_tool= client_dir=
	set -f
	set -- $jvms
	set +f
	_first=$1
	set --
	if [ "${STACKCAPTURE_OVERLAP:-1}" != 0 ] && attach_allowed "$_first" && tool_room; then
		if [ "${STACKCAPTURE_CLIENT:-1}" != 0 ] && plan_client "$_first"; then
			early_tool=attach
			set -- "$_java" $client_opts -cp "$client_dir" StackCaptureAttach "$_first" \
				"/proc/$_first/root/tmp/.java_pid$(ns_pid "$_first")" "$((dump_timeout + window_ms / 1000 + 1))"
		elif plan_tool "$_first" && [ "$_tool" = jcmd ]; then
			early_tool=jcmd
			set -- "$_path" $tool_opts "$_first" -f /proc/self/fd/0
		fi
	fi
	if [ -n "$early_tool" ]; then
		early_pid=$_first
		trigger_attach_listener "$early_pid"
		have timeout && set -- timeout "$((dump_timeout + window_ms / 1000 + 1))" "$@"
		early_out=$(window | run_tool "$@" 2>&1)
		early_rc=$?
		stamp dump_end "$early_pid"
		untrigger_attach_listener
		remove_client
	else
		window >/dev/null
	fi

	sent_sigquit=
	for p in $jvms; do dump "$p"; done
	# Give the JVMs a moment to write SIGQUIT dumps before the caller reads the log.
	if [ -n "$sent_sigquit" ] && have sleep; then sleep 1; fi
	echo "@sc done"
}

have() { command -v "$1" >/dev/null 2>&1; }

# The dump tools' own JVM: C1 only, the serial GC and no hsperfdata file start it in about
# half the time. allowStreamingOutput=false: a JDK 24+ target otherwise writes the dump to
# the socket while it holds the safepoint, so it stays paused as long as the tool takes to
# read (JDK-8319055); older tools ignore the unknown property.
tool_opts="-J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData -J-Djdk.attach.allowStreamingOutput=false"

# The attach client's JVM: the same start-up options; nothing may attach to it.
client_opts="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -XX:+DisableAttachMechanism -Xmx16m"

# run_tool CMD...: a dump tool's JVM must not take the workload's JVM options from the
# container's environment: an agent in JAVA_TOOL_OPTIONS would load into it, and its
# "Picked up" notice would join the output.
run_tool() { (unset JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS _JAVA_OPTIONS && exec "$@"); }

# window: one window for all JVMs: every start sample, one sleep, every end sample, all on
# fd 4. Then, on stdout, the command for the early tool (if one reads it): its dump starts.
window() {
	for p in $jvms; do sample start "$p"; done >&4
	wait_window
	for p in $jvms; do sample end "$p"; done >&4
	[ -n "$early_pid" ] && stamp dump_start "$early_pid" >&4
	echo "Thread.print -l"
}

# stamp KIND PID: a record with the time on the samples' clock (/proc/uptime, 10 ms steps),
# so the dump's time is measured on the same clock as the window's.
stamp() {
	IFS=' ' read -r _up _idle </proc/uptime && echo "@sc $1 $2 $_up"
}

# data: prefix every line of stdin with "|".
data() {
	if have sed; then
		sed 's/^/|/'
	else
		while IFS= read -r l || [ -n "$l" ]; do printf '|%s\n' "$l"; done
	fi
}

# proc_text PID FILE: a NUL-separated /proc file (cmdline, environ) as one line.
# Without tr the builtin read drops the NULs: the words run together but stay readable.
proc_text() {
	if have tr; then
		tr '\0\n' '  ' 2>/dev/null <"/proc/$1/$2"
	else
		IFS= read -r _t 2>/dev/null <"/proc/$1/$2"
		printf '%s' "$_t"
	fi
}

# is_jvm PID: comm "java" is the common case; other launchers (jsvc, custom native
# launchers) are recognised by libjvm.so in their mappings. The attach tools are JVMs too
# but short-lived: ours, or another probe's.
is_jvm() {
	[ "$1" = "$$" ] && return 1
	IFS= read -r _comm 2>/dev/null <"/proc/$1/comm" || return 1
	case $_comm in
	java)
		# The probe's attach client is a java too.
		case $(proc_text "$1" cmdline) in *.stackcapture-attach.*StackCaptureAttach*) return 1 ;; esac
		return 0
		;;
	jcmd | jstack | jps | jinfo | jmap | jstat) return 1 ;;
	esac
	if have grep; then
		grep -q '/libjvm\.so' "/proc/$1/maps" 2>/dev/null
		return
	fi
	while IFS= read -r _l; do
		case $_l in */libjvm.so) return 0 ;; esac
	done 2>/dev/null <"/proc/$1/maps"
	return 1
}

# sample start|end PID: the clock, then every thread's stat line.
sample() {
	IFS=' ' read -r _up _idle </proc/uptime
	if [ ! -d "/proc/$2/task" ]; then
		echo "@sc error $2 process exited before the $1 sample"
		return
	fi
	echo "@sc $1 $2 $_up"
	if have cat; then
		cat "/proc/$2/task/"*/stat 2>/dev/null | data
	else
		# Every line: a thread name may hold a newline.
		for f in "/proc/$2/task/"*/stat; do
			while IFS= read -r _l; do printf '|%s\n' "$_l"; done 2>/dev/null <"$f"
		done
	fi
}

wait_window() {
	if have sleep; then
		# POSIX sleep takes whole seconds; most sleeps take fractions. The real window is
		# measured from /proc/uptime either way.
		sleep "$((window_ms / 1000)).$(printf '%03d' $((window_ms % 1000)))" 2>/dev/null ||
			sleep $(((window_ms + 999) / 1000))
		return
	fi
	# No sleep at all: poll the clock (centiseconds) with builtins only.
	IFS=' .' read -r _s0 _c0 _rest </proc/uptime
	while :; do
		IFS=' .' read -r _s _c _rest </proc/uptime
		[ $(((_s - _s0) * 100 + (1$_c - 1$_c0))) -ge $((window_ms / 10)) ] && return
	done
}

# exe_dir PID: the directory of the JVM's executable, where its jcmd usually is.
exe_dir() {
	_p=
	have readlink && _p=$(readlink "/proc/$1/exe" 2>/dev/null)
	if [ -z "$_p" ] && have ls; then
		_p=$(ls -l "/proc/$1/exe" 2>/dev/null)
		case $_p in *' -> '*) _p=${_p#*' -> '} ;; *) _p= ;; esac
	fi
	# Builtins only: find the launcher among the mappings (the Java heap may come first),
	# or else derive the JDK's bin from libjvm.so (custom launchers).
	if [ -z "$_p" ]; then
		while IFS=' ' read -r _a _b _c _d _e _m; do
			_m=${_m% (deleted)}
			case $_m in
			*/bin/java) _p=$_m ;;
			*/jre/lib/*/libjvm.so) _p=${_m%/jre/lib/*}/bin/java ;;
			*/lib/*/libjvm.so) _p=${_m%/lib/*/libjvm.so}/bin/java ;;
			*) continue ;;
			esac
			break
		done 2>/dev/null <"/proc/$1/maps"
	fi
	_p=${_p% (deleted)}
	case $_p in /*/*) printf '%s' "${_p%/*}" ;; esac
}

# java_home PID: $JAVA_HOME from the JVM's environment (needs tr to split it).
java_home() {
	have tr || return 0
	tr '\0' '\n' 2>/dev/null <"/proc/$1/environ" | while IFS= read -r _kv; do
		case $_kv in JAVA_HOME=/*)
			printf '%s' "${_kv#JAVA_HOME=}"
			break
			;;
		esac
	done
}

# find_tool NAME EXEDIR JAVAHOME: beside the JVM's own java first (a JDK 8 JRE keeps it
# in ../../bin), then $JAVA_HOME/bin, then PATH.
find_tool() {
	_jdk=
	case $2 in */jre/bin) _jdk=${2%/jre/bin}/bin ;; esac
	for _d in "$2" "$_jdk" "${3:+$3/bin}"; do
		[ -n "$_d" ] && [ -f "$_d/$1" ] && [ -x "$_d/$1" ] && {
			printf '%s' "$_d/$1"
			return 0
		}
	done
	command -v "$1" 2>/dev/null
}

# catches_sigquit PID: SIGQUIT makes a JVM print its threads only if the JVM catches it;
# with -Xrs (or while the JVM is still starting) SIGQUIT terminates it. SigCgt in
# /proc/PID/status says for sure: SIGQUIT is bit 2, the mask's last hex digit has 4 set.
catches_sigquit() {
	while IFS= read -r _l; do
		case $_l in SigCgt:*)
			case ${_l#"${_l%?}"} in [4567cdefCDEF]) return 0 ;; *) return 1 ;; esac
			;;
		esac
	done 2>/dev/null <"/proc/$1/status"
	# No status to read: go by the options that turn the handler off.
	case "$(proc_text "$1" cmdline) $(proc_text "$1" environ)" in
	*-Xrs* | *+ReduceSignalUsage*) return 1 ;;
	esac
	return 0
}

# attach_allowed PID: attaching starts the JVM's attach listener with a SIGQUIT unless its
# socket exists (a -Xrs JVM creates it at startup); older tools send it without checking.
# A JVM that neither catches SIGQUIT nor has the socket would be terminated.
attach_allowed() {
	catches_sigquit "$1" || [ -S "/tmp/.java_pid$1" ] || [ -S "/proc/$1/root/tmp/.java_pid$1" ]
}

# plan_tool PID: sets _tool and _path to the first of jcmd, jstack found for the JVM.
plan_tool() {
	_dir=$(exe_dir "$1")
	_home=$(java_home "$1")
	for _tool in jcmd jstack; do
		_path=$(find_tool "$_tool" "$_dir" "$_home")
		[ -n "$_path" ] && return 0
	done
	_tool= _path=
	return 1
}

# plan_client PID: the probe's attach client (attach/StackCaptureAttach.java) runs on the JVM's
# own java when that is Java 16 or later (unix sockets in java.nio), JRE-only images included,
# and its class can be written to a new directory under /tmp (where the JVM's attach socket
# lives too). Sets _java and client_dir.
plan_client() {
	_dir=$(exe_dir "$1")
	_java=$_dir/java
	[ -n "$_dir" ] && [ -f "$_java" ] && [ -x "$_java" ] || return 1
	_major=$(java_major "${_dir%/bin}")
	case $_major in '' | *[!0-9]*) return 1 ;; esac
	[ "$_major" -ge 16 ] || return 1
	have rm || return 1
	if have mktemp; then
		client_dir=$(mktemp -d /tmp/.stackcapture-attach.XXXXXX 2>/dev/null)
	elif have mkdir && mkdir -m 700 "/tmp/.stackcapture-attach.$$" 2>/dev/null; then
		client_dir=/tmp/.stackcapture-attach.$$
	fi
	[ -n "$client_dir" ] || return 1
	write_attach_class "$client_dir/StackCaptureAttach.class" 2>/dev/null && return 0
	remove_client
	return 1
}

remove_client() {
	[ -n "$client_dir" ] && rm -rf "$client_dir" 2>/dev/null
	client_dir=
}

# java_major JAVA_HOME: the feature version from the release file ("17.0.15" is 17, "1.8.0"
# is 1); empty when there is none.
java_major() {
	while IFS= read -r _l; do
		case $_l in JAVA_VERSION=*)
			_l=${_l#JAVA_VERSION=}
			_l=${_l#\"}
			printf '%s' "${_l%%[!0-9]*}"
			return 0
			;;
		esac
	done 2>/dev/null <"$1/release"
}

# write_attach_class FILE: the client's class file, byte by byte. The script as stored holds
# a placeholder; ProbeScript puts the compiled class there (attach.go).
write_attach_class() { printf '@STACKCAPTURE_ATTACH_CLASS@' >"$1"; }

# tool_room and its helpers: toolroom.sh, put here by ProbeScript.
# @STACKCAPTURE_TOOL_ROOM@

# ns_pid PID: the JVM's pid in its own pid namespace (the last NSpid field), which names its
# attach files; the pid itself on kernels without NSpid.
ns_pid() {
	_ns=$1
	while IFS= read -r _l; do
		case $_l in NSpid:*) _ns=${_l##*[!0-9]} ;; esac
	done 2>/dev/null <"/proc/$1/status"
	case $_ns in '' | *[!0-9]*) _ns=$1 ;; esac
	printf '%s' "$_ns"
}

# trigger_attach_listener PID: what jcmd does when the JVM's attach socket does not exist
# yet (an .attach_pid file, then SIGQUIT), done before the window instead of after it: jcmd
# then finds the socket instead of polling for it (100 ms or more). Only for a HotSpot JVM
# that catches SIGQUIT and allows attaching; anything uncertain leaves it to jcmd.
trigger_attach_listener() {
	attach_file=
	_ns=$(ns_pid "$1")
	[ -S "/proc/$1/root/tmp/.java_pid$_ns" ] && return 0
	catches_sigquit "$1" || return 0
	have grep && have rm || return 0
	grep -q '/libjvm\.so' "/proc/$1/maps" 2>/dev/null || return 0
	grep -q 'libj9' "/proc/$1/maps" 2>/dev/null && return 0 # OpenJ9: SIGQUIT writes a javacore
	# With attaching disabled SIGQUIT prints a dump instead (JAVA_TOOL_OPTIONS counts too).
	case "$(proc_text "$1" cmdline) $(proc_text "$1" environ)" in *+DisableAttachMechanism*) return 0 ;; esac
	_f="/proc/$1/root/tmp/.attach_pid$_ns"
	[ -e "$_f" ] && return 0
	(: >"$_f") 2>/dev/null || return 0
	attach_file=$_f
	kill -s QUIT "$1" 2>/dev/null || untrigger_attach_listener
}

untrigger_attach_listener() {
	[ -n "$attach_file" ] && rm -f "$attach_file" 2>/dev/null
	attach_file=
}

# dump PID: the early tool's dump, else jcmd, else jstack, else SIGQUIT. The tools attach to
# the JVM, which works when they run as the JVM's user (normally the case in its container);
# none is started when the container's memory has no room for its JVM (tool_room).
dump() {
	_pid=$1
	if ! attach_allowed "$_pid"; then
		echo "@sc error $_pid the JVM does not catch SIGQUIT (-Xrs) and has no attach socket: attaching or SIGQUIT would terminate it, no dump taken"
		return 0
	fi
	_why="no jcmd or jstack found"
	# The early tool prints a "PID:" line once it read its command, before attaching; without
	# it, it failed before attaching (its JVM did not start, it could not read its command):
	# run jcmd or jstack the ordinary way.
	if [ "$_pid" = "$early_pid" ]; then
		case $early_out in
		"$_pid:"* | *"$nl$_pid:"*)
			tool_result "$early_tool" "$early_rc" "$early_out" && return 0
			# jcmd and jstack attach the way jcmd did: they would fail too. After the
			# client, the JDK's own tools still get their turn.
			[ "$early_tool" = jcmd ] && _why="jcmd failed"
			;;
		esac
	fi
	if [ "$_why" = "no jcmd or jstack found" ] && tool_room && plan_tool "$_pid"; then
		if [ "$_tool" = jcmd ]; then
			set -- "$_path" $tool_opts "$_pid" Thread.print -l
		else
			set -- "$_path" $tool_opts -l "$_pid"
		fi
		have timeout && set -- timeout "$dump_timeout" "$@"
		stamp dump_start "$_pid"
		_out=$(run_tool "$@" 2>&1)
		_rc=$?
		stamp dump_end "$_pid"
		tool_result "$_tool" "$_rc" "$_out" && return 0
		# jstack attaches the same way: it would fail too.
		_why="$_tool failed"
	fi

	if ! catches_sigquit "$_pid"; then
		echo "@sc error $_pid $_why and the JVM does not catch SIGQUIT (-Xrs): SIGQUIT would terminate it, not sent"
		return 0
	fi
	_now=-
	if have date; then
		_now=$(date +%s 2>/dev/null)
		case $_now in '' | *[!0-9]*) _now=- ;; esac
	fi
	echo "@sc sigquit $_pid $_now $_why"
	if kill -s QUIT "$_pid" 2>/dev/null; then
		sent_sigquit=1
	else
		echo "@sc error $_pid kill -s QUIT failed"
	fi
}

# tool_result TOOL EXIT OUTPUT: prints the dump record, or the error record and returns 1.
tool_result() {
	case $3 in
	*'Full thread dump'*)
		echo "@sc dump $_pid $1 $2"
		printf '%s\n' "$3" | data
		return 0
		;;
	esac
	_o=$3
	[ "$2" = 124 ] && have timeout && _o="timed out after ${dump_timeout}s"
	echo "@sc error $_pid attach failed: $1 exited $2"
	printf '%.2000s\n' "$_o" | data
	return 1
}

main "$1" "$2" </dev/null; exit 0
