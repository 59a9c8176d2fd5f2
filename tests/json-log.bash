# Keep every JSON document a suite gets from dmabuf, for tests/schema-check.
# Sourced by tests/cli/helpers.bash (and so by the VM suites' helpers) after
# DMABUF (the binary) is set.  With DMABUF_JSON_LOG naming a directory, each
# `dmabuf --json ...` run through the dmabuf function below leaves its
# standard output there, one file a run; without it dmabuf runs as is.
# No exec is spent on it (each costs ~0.4 s in the VM, over 9p): the file
# name comes from the shell, the output is read back with $(<file).

# dmabuf_json_args ARGS...: whether --json comes before the command name.
dmabuf_json_args() {
	local a
	for a in "$@"; do
		case $a in
		--json) return 0 ;;
		-*) ;;
		*) return 1 ;;
		esac
	done
	return 1
}

# json_log_file: a new file name in $DMABUF_JSON_LOG, in $REPLY.
json_log_file() {
	REPLY=$DMABUF_JSON_LOG/doc.$BASHPID.$RANDOM$RANDOM.json
}

# json_keep TEXT: keep a document obtained some other way (a background run).
json_keep() {
	[ -n "${DMABUF_JSON_LOG:-}" ] || return 0
	json_log_file
	printf '%s\n' "$1" > "$REPLY"
}

dmabuf() {
	if [ -z "${DMABUF_JSON_LOG:-}" ] || ! dmabuf_json_args "$@"; then
		"$DMABUF" "$@"
		return
	fi
	local rc=0
	json_log_file
	local f=$REPLY
	"$DMABUF" "$@" > "$f" || rc=$?
	[ ! -s "$f" ] || printf '%s\n' "$(<"$f")"
	return $rc
}
