# Shared set-up for the host CLI suites.
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

# the repository root, whichever tests/ subdirectory the suite is in
: "${DMABUF:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/dmabuf}"

# `dmabuf` runs $DMABUF, keeping its JSON documents for tests/schema-check.
source "${BASH_SOURCE[0]%/*}/../json-log.bash"

# A scratch file target on a filesystem that takes O_DIRECT (not tmpfs).
scratch_file() {
	local size=${1:-4M}
	SCRATCH_DIR=$(mktemp -d /var/tmp/dmabuf-cli.XXXXXX)
	TARGET=$SCRATCH_DIR/target.img
	truncate -s "$size" "$TARGET"
}

cleanup_scratch() {
	[ -n "${SWAPDEV:-}" ] && swapoff "$SWAPDEV" 2>/dev/null
	[ -n "${MOUNTPOINT:-}" ] && umount "$MOUNTPOINT" 2>/dev/null
	[ -n "${LOOPDEV:-}" ] && losetup -d "$LOOPDEV" 2>/dev/null
	[ -n "${SCRATCH_DIR:-}" ] && rm -rf "$SCRATCH_DIR"
	return 0
}

# A loop device over a scratch file; skips where loop devices cannot exist.
scratch_loop() {
	scratch_file "${1:-8M}"
	[ -e /dev/loop-control ] || skip "no /dev/loop-control: loop devices cannot exist here"
	LOOPDEV=$(losetup -f --show --direct-io=on "$TARGET" 2>/dev/null) ||
		LOOPDEV=$(losetup -f --show "$TARGET") || skip "losetup failed: no free loop device"
}

md5() { md5sum "$@" | cut -d' ' -f1; }

# bats-assert 2.1 cannot look at $stderr: these do.
# assert_error SUBSTR...: stderr is one line that contains every SUBSTR.
assert_error() {
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "expected a one-line error, stderr has ${#stderr_lines[@]} lines: $stderr"
	local s
	for s; do
		[[ $stderr == *"$s"* ]] || fail "stderr '$stderr' does not contain '$s'"
	done
}

# assert_stderr_first SUBSTR: the first line of stderr contains SUBSTR (argp
# adds a "Try --help" line after its one-line message).
assert_stderr_first() {
	[[ ${stderr_lines[0]:-} == *"$1"* ]] || fail "first stderr line '${stderr_lines[0]:-}' does not contain '$1'"
}

# A process is alive when it exists and is not a zombie (a holder whose
# parent exited is reparented; where nobody reaps it, it lingers as Z).
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
