# dmabuf.bash: helpers for bats suites that test with dmabuf.
#
#   load /usr/share/dmabuf/bats/dmabuf        # (PREFIX/share/dmabuf/bats)
#
#   @test "token reads land in the heap buffer" {
#       dmabuf_run verify /dev/nvme0n1 --mem heap --length 4M --path token
#       assert_dmabuf_ok
#       assert_dmabuf_path token
#       assert_dmabuf_no_mismatch
#   }
#
# dmabuf_run runs `dmabuf --json ARGS...` and keeps its exit status, JSON
# document and standard error; a feature missing here (exit 3) skips the
# test with the tool's own reason.  Works with or without bats-assert.
# Environment: DMABUF_BIN (default: dmabuf on PATH).  Needs jq.
# See dmabuf-bats(7).

# The layout of the documents these helpers read (dmabuf-json(7)).
DMABUF_BATS_SCHEMA=5

# exit status names, as dmabuf(1) lists them
declare -gA DMABUF_EXIT=([ok]=0 [mismatch]=1 [usage]=2 [unsupported]=3 [io]=4
	[refused]=5 [sigint]=130 [sigterm]=143)

_dmabuf_fail() {
	if declare -F fail >/dev/null; then
		fail "$*"
	else
		printf '%s\n' "$*" >&2
		return 1
	fi
}

_dmabuf_exec() {
	local err
	err=$(mktemp "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/dmabuf-stderr.XXXXXX") || return 1
	dmabuf_status=0
	dmabuf_json=$("${DMABUF_BIN:-dmabuf}" --json "$@" 2>"$err") || dmabuf_status=$?
	dmabuf_stderr=$(<"$err")
	rm -f "$err"
	if [ -n "$dmabuf_json" ]; then
		local v
		v=$(jq -r '.schema // "none"' <<<"$dmabuf_json" 2>/dev/null) ||
			{ _dmabuf_fail "dmabuf $*: standard output is not JSON: $dmabuf_json"; return; }
		[ "$v" = "$DMABUF_BATS_SCHEMA" ] ||
			_dmabuf_fail "dmabuf $*: document schema $v, these helpers read $DMABUF_BATS_SCHEMA"
	fi
}

# dmabuf_run ARGS...: `dmabuf --json ARGS...`; sets $dmabuf_status,
# $dmabuf_json (stdout) and $dmabuf_stderr.  Exit 3 (not supported here)
# skips the test with dmabuf's message.
dmabuf_run() {
	_dmabuf_exec "$@" || return
	if [ "$dmabuf_status" -eq 3 ]; then
		skip "${dmabuf_stderr#dmabuf: }"
	fi
}

# dmabuf_try ARGS...: the same, without the skip (to assert on exit 3).
dmabuf_try() {
	_dmabuf_exec "$@"
}

# dmabuf_field JQ: a member of the last document, as jq -r prints it.
dmabuf_field() {
	jq -r "$1" <<<"$dmabuf_json"
}

# assert_dmabuf_exit NAME|N: the last run's exit status (names above).
assert_dmabuf_exit() {
	local want=${DMABUF_EXIT[$1]:-$1}
	[[ $want =~ ^[0-9]+$ ]] || { _dmabuf_fail "assert_dmabuf_exit: unknown status '$1'"; return; }
	[ "$dmabuf_status" -eq "$want" ] ||
		_dmabuf_fail "dmabuf exited $dmabuf_status, expected $want ($1): ${dmabuf_stderr:-no message}"
}

# assert_dmabuf_ok: exit 0 and, where the document has one, result "ok".
assert_dmabuf_ok() {
	assert_dmabuf_exit ok || return
	local r
	r=$(dmabuf_field '.result // "ok"')
	[ "$r" = ok ] || _dmabuf_fail "dmabuf result is '$r', expected ok"
}

# assert_dmabuf_path PATH: the buffer path taken (token, pages, bounce).
assert_dmabuf_path() {
	local p why
	p=$(dmabuf_field '.path // "none"')
	why=$(dmabuf_field '.path_why // ""')
	[ "$p" = "$1" ] || _dmabuf_fail "dmabuf took the $p path, expected $1${why:+: $why}"
}

# assert_dmabuf_no_mismatch: no bad block in any check of the document
# (verify, the round trip's drive, invalidate's verify, read's undelivered).
assert_dmabuf_no_mismatch() {
	local bad
	bad=$(dmabuf_field '[.verify, .drive, .undelivered | select(. != null) |
		"\(.blocks_bad) of \(.blocks_checked) blocks bad (first: \(.mismatches[0].kind // "-") at LBA \(.mismatches[0].lba // "-"))"
		| select(startswith("0 of") | not)] | join("; ")')
	[ -z "$bad" ] || _dmabuf_fail "dmabuf found mismatches: $bad"
}

# dmabuf_hold SRC SIZE [NAME]: allocate and keep a buffer in a background
# holder; sets $dmabuf_mem to the pid:PID:FD to pass as --mem (not a
# command substitution: the holder is tracked in this shell).
# dmabuf_cleanup (from teardown) ends the holders.
DMABUF_HOLDERS=()
dmabuf_hold() {
	local h err st=0
	err=$(mktemp "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/dmabuf-stderr.XXXXXX") || return 1
	h=$("${DMABUF_BIN:-dmabuf}" alloc --mem "$1" --size "$2" ${3:+--name "$3"} --hold 2>"$err") || st=$?
	dmabuf_stderr=$(<"$err")
	rm -f "$err"
	if [ "$st" -eq 3 ]; then
		skip "${dmabuf_stderr#dmabuf: }"
	elif [ "$st" -ne 0 ]; then
		_dmabuf_fail "dmabuf alloc --mem $1 --size $2 --hold exited $st: $dmabuf_stderr"
		return
	fi
	DMABUF_HOLDERS+=("${h%%:*}")
	dmabuf_mem=pid:$h
}

dmabuf_cleanup() {
	local p
	for p in "${DMABUF_HOLDERS[@]}"; do
		kill "$p" 2>/dev/null
	done
	DMABUF_HOLDERS=()
	return 0
}
