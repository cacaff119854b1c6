# Stack Capture heap probe. Sent on stdin to `sh -s -- HISTO_MODE TOOL_TIMEOUT_S TOP_N`
# inside a container: for each JVM it runs jcmd's GC.heap_info, GC.class_histogram (top
# N lines and the total), VM.metaspace when heap_info has no Metaspace line, and
# VM.native_memory summary. Needs only a POSIX /bin/sh; every external tool sits behind
# `have`. It copies nothing into the container and sends no signal: JRE-only images
# (no jcmd) get their heap summary from the thread probe's kill -3, which prints it after
# the threads.
#
# Two optional arguments follow: PARTS, "all" (the default) or "histogram" (the class
# histogram only: a second exec once the heap's size is known), and PIDS, comma-separated
# process ids to look at instead of every process (each still checked to be a JVM).
#
# HISTO_MODE: full  GC.class_histogram        (a full GC first: live objects only)
#             all   GC.class_histogram -all   (no GC: every object, reachable or not)
#             none  no histogram
#
# Output protocol, version 1, framed like the thread probe's. Every line is either
#   a record:     "@sc KIND ARGS..."
#   a data line:  "|TEXT"   (belongs to the record before it)
# Records:
#   @sc stackcapture-heap 1            first line
#   @sc histo_mode MODE                the mode used
#   @sc jvm PID + one data line        a JVM and its cmdline (capped)
#   @sc cmd PID NAME EXIT MS + data    jcmd NAME's stdout and stderr, MS its wall time
#                                      (NAME: heap_info class_histogram metaspace
#                                      native_memory); class_histogram keeps its first
#                                      TOP_N+3 lines and its Total line
#   @sc error PID MESSAGE [+ data]     something failed for this JVM
#   @sc nojvm                          no JVM found
#   @sc done                           the protocol completed
# The exit code is 0 whenever the protocol completed: errors are reported in-band.
main() {
	histo_mode=$1
	tool_timeout=$2
	top_n=$3
	case $histo_mode in full | all | none) ;; *) histo_mode=full ;; esac
	case $tool_timeout in '' | *[!0-9]*) tool_timeout=30 ;; esac
	case $top_n in '' | *[!0-9]*) top_n=50 ;; esac
	parts=${4:-all}
	case $parts in all | histogram) ;; *) parts=all ;; esac
	only_pids=${5:-}
	case $only_pids in *[!0-9,]*) only_pids= ;; esac

	echo "@sc stackcapture-heap 1"
	echo "@sc histo_mode $histo_mode"

	set -f
	if [ -n "$only_pids" ]; then
		candidates=
		_ifs=$IFS
		IFS=,
		for p in $only_pids; do candidates="$candidates $p"; done
		IFS=$_ifs
	elif [ -n "${STACKCAPTURE_PIDS:-}" ]; then
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
	for p in $jvms; do heap "$p"; done
	echo "@sc done"
}

have() { command -v "$1" >/dev/null 2>&1; }

# data [MAX]: prefix every line of stdin with "|"; with MAX, keep the first MAX lines and
# the last one (a histogram's Total).
data() {
	if [ -z "${1:-}" ]; then
		if have sed; then
			sed 's/^/|/'
		else
			while IFS= read -r l || [ -n "$l" ]; do printf '|%s\n' "$l"; done
		fi
		return
	fi
	if have sed; then
		sed -n "1,$1s/^/|/p;$1,\${\$s/^/|/p}"
		return
	fi
	_n=0
	_last=
	while IFS= read -r l || [ -n "$l" ]; do
		_n=$((_n + 1))
		if [ "$_n" -le "$1" ]; then printf '|%s\n' "$l"; else _last=$l; fi
	done
	[ "$_n" -gt "$1" ] && printf '|%s\n' "$_last"
	return 0
}

proc_text() {
	if have tr; then
		tr '\0\n' '  ' 2>/dev/null <"/proc/$1/$2"
	else
		IFS= read -r _t 2>/dev/null <"/proc/$1/$2"
		printf '%s' "$_t"
	fi
}

# is_jvm PID: as in the thread probe.
is_jvm() {
	[ "$1" = "$$" ] && return 1
	IFS= read -r _comm 2>/dev/null <"/proc/$1/comm" || return 1
	case $_comm in
	java)
		# The thread probe's attach client is a java too.
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

# exe_dir PID: the directory of the JVM's executable, where its jcmd usually is.
exe_dir() {
	_p=
	have readlink && _p=$(readlink "/proc/$1/exe" 2>/dev/null)
	if [ -z "$_p" ]; then
		while IFS=' ' read -r _a _b _c _d _e _m; do
			_m=${_m% (deleted)}
			case $_m in
			*/bin/java) _p=$_m ;;
			*/lib/*/libjvm.so) _p=${_m%/lib/*/libjvm.so}/bin/java ;;
			*) continue ;;
			esac
			break
		done 2>/dev/null <"/proc/$1/maps"
	fi
	_p=${_p% (deleted)}
	case $_p in /*/*) printf '%s' "${_p%/*}" ;; esac
}

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

find_jcmd() {
	for _d in "$1" "${2:+$2/bin}"; do
		[ -n "$_d" ] && [ -f "$_d/jcmd" ] && [ -x "$_d/jcmd" ] && {
			printf '%s' "$_d/jcmd"
			return 0
		}
	done
	command -v jcmd 2>/dev/null
}

# attach_safe PID: attaching starts the attach listener with a SIGQUIT unless its socket
# exists; a JVM that does not catch SIGQUIT (-Xrs) would die of it.
attach_safe() {
	[ -S "/tmp/.java_pid$1" ] || [ -S "/proc/$1/root/tmp/.java_pid$1" ] && return 0
	while IFS= read -r _l; do
		case $_l in SigCgt:*)
			case ${_l#"${_l%?}"} in [4567cdefCDEF]) return 0 ;; *) return 1 ;; esac
			;;
		esac
	done 2>/dev/null <"/proc/$1/status"
	case "$(proc_text "$1" cmdline) $(proc_text "$1" environ)" in
	*-Xrs* | *+ReduceSignalUsage*) return 1 ;;
	esac
	return 0
}

now_ms() {
	IFS=' .' read -r _s _c _rest </proc/uptime
	printf '%s' "$((_s * 1000 + 1$_c * 10 - 1000))"
}

# run NAME MAX JCMD-ARGS...: one jcmd run, framed. Sets _out.
run() {
	_name=$1
	_max=$2
	shift 2
	set -- "$_jcmd" -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData "$_pid" "$@"
	have timeout && set -- timeout "$tool_timeout" "$@"
	_t0=$(now_ms)
	_out=$("$@" 2>&1)
	_rc=$?
	_t1=$(now_ms)
	[ "$_rc" = 124 ] && have timeout && _out="timed out after ${tool_timeout}s
$_out"
	echo "@sc cmd $_pid $_name $_rc $((_t1 - _t0))"
	printf '%s\n' "$_out" | data "$_max"
}

# tool_room and its helpers: the thread probe's toolroom.sh, put here by Script.
# @STACKCAPTURE_TOOL_ROOM@

heap() {
	_pid=$1
	if ! attach_safe "$_pid"; then
		echo "@sc error $_pid the JVM does not catch SIGQUIT (-Xrs) and has no attach socket: attaching would terminate it, no heap evidence taken"
		return 0
	fi
	if ! tool_room; then
		echo "@sc error $_pid $_why"
		return 0
	fi
	_jcmd=$(find_jcmd "$(exe_dir "$_pid")" "$(java_home "$_pid")")
	if [ -z "$_jcmd" ]; then
		echo "@sc error $_pid no jcmd in the image (JRE only): the heap summary is the one kill -3 prints after the threads"
		return 0
	fi
	if [ "$parts" = histogram ]; then
		histogram
		return 0
	fi
	run heap_info "" GC.heap_info
	case $_out in
	*'Unable to open socket'* | *'AttachNotSupportedException'* | *'No such process'* | *'timed out after'*)
		echo "@sc error $_pid attach failed: no further heap commands"
		return 0
		;;
	esac
	case $_out in
	*Metaspace*) ;;
	*) run metaspace "" VM.metaspace basic ;;
	esac
	histogram
	run native_memory "" VM.native_memory summary
}

histogram() {
	case $histo_mode in
	full) run class_histogram "$((top_n + 3))" GC.class_histogram ;;
	all) run class_histogram "$((top_n + 3))" GC.class_histogram -all ;;
	esac
}

main "$1" "$2" "$3" "${4:-}" "${5:-}" </dev/null; exit 0
