#!/usr/bin/env bats
# What the shared options say about their values, and what the reports say
# about what was asked and what was done: a number too big for any option
# (and its maximum), --bs out of range (and the range), memory rounded up to
# the source's page size, the seed an implied `random` used, --in that is no
# file, --iopoll where nothing polls, a file the user may not write, bench's
# own defaults in its --help, and the unit of mb_per_s.

load helpers

setup() { scratch_file 4M; }	# 8192 blocks of 512 bytes
teardown() { cleanup_scratch; }

REPO=$BATS_TEST_DIRNAME/../..
U64_MAX=18446744073709551615

# --- a: sizes too big ---------------------------------------------------------

@test "--size past 2^64-1 exits 2: too big, with the maximum (read, alloc)" {
	run -2 --separate-stderr dmabuf read "$TARGET" --mem memfd --size 99999999999999999999
	assert_stderr_first "--size: '99999999999999999999' is too big: at most $U64_MAX"
	run -2 --separate-stderr dmabuf alloc --mem memfd --size 99999999999999999999
	assert_stderr_first "--size: '99999999999999999999' is too big: at most $U64_MAX"
	# a suffix that overflows is too big too, not malformed
	run -2 --separate-stderr dmabuf read "$TARGET" --mem memfd --size 16777216T
	assert_stderr_first "is too big: at most $U64_MAX"
	# malformed is still malformed, and 0 is still refused as 0
	run -2 --separate-stderr dmabuf read "$TARGET" --mem memfd --size 4x
	assert_stderr_first "--size: '4x' is not a size (e.g. 4096, 4k, 1M, 2G)"
	run -2 --separate-stderr dmabuf alloc --mem memfd --size 0
	assert_stderr_first "--size: '0' is not a size above 0"
}

# --- b: numbers too big -------------------------------------------------------

@test "--lba past 2^64-1 exits 2: too big, with the maximum, not 'not a number'" {
	run -2 --separate-stderr dmabuf read "$TARGET" --mem memfd --lba 99999999999999999999
	assert_stderr_first "--lba: '99999999999999999999' is too big: at most $U64_MAX"
	run -2 --separate-stderr dmabuf read "$TARGET" --mem memfd --blocks 0x10000000000000000
	assert_stderr_first "--blocks: '0x10000000000000000' is too big: at most $U64_MAX"
	run -2 --separate-stderr dmabuf bench "$TARGET" --mem memfd --seed 99999999999999999999
	assert_stderr_first "--seed: '99999999999999999999' is too big: at most $U64_MAX"
	run -2 --separate-stderr dmabuf verify "$TARGET" --mem memfd --scratch-lba 99999999999999999999
	assert_stderr_first "--scratch-lba: '99999999999999999999' is too big: at most $U64_MAX"
	run -2 --separate-stderr dmabuf read "$TARGET" --mem memfd --lba x1
	assert_stderr_first "--lba: 'x1' is not a number"
}

# --- c: --bs out of range -------------------------------------------------------

@test "--bs 0 and --bs past 4 GiB exit 2 naming the range" {
	local bs
	for bs in 0 4G 5G; do
		run -2 --separate-stderr dmabuf read "$TARGET" --mem memfd --bs "$bs"
		assert_stderr_first "--bs: '$bs' is out of range: from one logical block to 4294967295 bytes (4 GiB - 1)"
	done
	run -2 --separate-stderr dmabuf bench "$TARGET" --mem memfd --bs 0
	assert_stderr_first "--bs: '0' is out of range: from one logical block to 4294967295 bytes"
}

# --- d: memory rounded up -------------------------------------------------------

@test "--size below a page: the report gives the size asked for and the size allocated" {
	run -0 --separate-stderr dmabuf --json register "$TARGET" --mem memfd --size 3
	assert_equal "$(jq -c '.memory | [.requested_size, .size]' <<<"$output")" "[3,$(getconf PAGESIZE)]"
	run -0 --separate-stderr dmabuf register "$TARGET" --mem memfd --size 3
	assert_line --regexp '^  requested_size +: 3$'
	run -0 --separate-stderr dmabuf --json alloc --mem memfd --size 3
	assert_equal "$(jq -c '.memory | [.requested_size, .size]' <<<"$output")" "[3,$(getconf PAGESIZE)]"
	run -0 --separate-stderr dmabuf alloc --mem memfd --size 3
	assert_line --regexp '^  requested_size +: 3$'
	# a window of 6 blocks in 3 KiB of a 4 KiB page
	run -0 --separate-stderr dmabuf --json read "$TARGET" --mem memfd --size 3k --blocks 12
	assert_equal "$(jq -c '.memory | [.requested_size, .size]' <<<"$output")" "[3072,$(getconf PAGESIZE)]"
	# nothing rounded: nothing to say
	run -0 --separate-stderr dmabuf --json alloc --mem memfd --size 64k
	assert_equal "$(jq '.memory | has("requested_size")' <<<"$output")" "false"
}

@test "bench's text report says the memory was rounded up" {
	run -0 --separate-stderr dmabuf bench "$TARGET" --mem memfd --size 3k --bs 512 --qd 4 --ios 8
	assert_line --index 0 --partial "memory memfd (4 KiB, rounded up from 3 KiB)"
}

# --- e: the seed of random --------------------------------------------------------

@test "--pattern random: help and errors say random[:SEED]; the report names the seed used" {
	run -0 dmabuf write --help
	assert_output --partial "random[:SEED]"
	refute_output --partial "random:SEED"
	run -2 --separate-stderr dmabuf write "$TARGET" --mem memfd --pattern bogus
	assert_error "random[:SEED]"
	run -0 --separate-stderr dmabuf --json write "$TARGET" --mem memfd --blocks 32 --pattern random
	assert_equal "$(jq -r .pattern <<<"$output")" "random:0x5eed"
	run -0 --separate-stderr dmabuf write "$TARGET" --mem memfd --blocks 32 --pattern random
	assert_line --regexp '^pattern +: random:0x5eed$'
	# what the report names reproduces the data
	run -0 --separate-stderr dmabuf --json verify "$TARGET" --mem memfd --blocks 32 --read-only --pattern random:0x5eed
	assert_equal "$(jq -r .pattern <<<"$output")" "random:0x5eed"
	run -0 --separate-stderr dmabuf verify "$TARGET" --mem memfd --blocks 32 --read-only --pattern random:24301
	# a seed given is named as given
	run -0 --separate-stderr dmabuf --json write "$TARGET" --mem memfd --blocks 32 --pattern random:7
	assert_equal "$(jq -r .pattern <<<"$output")" "random:7"
}

# --- f: --in that cannot be read --------------------------------------------------

@test "write --in a directory or a missing file exits 2, one line, nothing written" {
	local before
	before=$(md5 "$TARGET")
	mkdir "$SCRATCH_DIR/dir"
	run -2 --separate-stderr dmabuf write "$TARGET" --mem memfd --in "$SCRATCH_DIR/dir"
	assert_error "$SCRATCH_DIR/dir" "Is a directory" "--in"
	run -2 --separate-stderr dmabuf --json write "$TARGET" --mem memfd --in "$SCRATCH_DIR/dir"
	assert_equal "$output" ""
	run -2 --separate-stderr dmabuf write "$TARGET" --mem memfd --in "$SCRATCH_DIR/none"
	assert_error "$SCRATCH_DIR/none" "No such file or directory" "--in"
	assert_equal "$(md5 "$TARGET")" "$before"
}

# --- g: --iopoll where nothing polls ------------------------------------------------

@test "bench --iopoll on a file whose device has no poll queues: the hint, and failure in the JSON" {
	# data, not holes: a read of a hole never reaches the device
	dd if=/dev/urandom of="$TARGET" bs=1M count=4 conv=notrunc status=none
	run --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --iopoll --ios 64 --bs 4k
	[ "$status" -ne 0 ] || skip "this host polls the file's device: nothing to refuse"
	assert_equal "$status" 3
	assert_error "IOPOLL" "Operation not supported" "poll queues" "poll_queues=N" "without --iopoll"
	jq -e '.result == "error" and (.failure | .error == "Operation not supported" and
		(.lba | type) == "number" and .blocks == 8 and .errno == 95)' <<<"$output"
	run -3 --separate-stderr dmabuf bench "$TARGET" --mem memfd --iopoll --ios 64 --bs 4k
	assert_error "poll queues"
}

# --- h: a file the user may not write ------------------------------------------------

@test "a read-only regular file: the hint is its permissions, not the disk group" {
	[ "$(id -u)" = 0 ] || skip "needs root to become another user"
	command -v setpriv >/dev/null || skip "no setpriv"
	chmod 755 "$SCRATCH_DIR"
	chmod 444 "$TARGET"
	run -4 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$DMABUF" write "$TARGET" --mem memfd --blocks 8
	assert_error "$TARGET" "Permission denied" "mode 0444" "chmod"
	[[ $stderr != *disk* ]] || fail "a regular file's message names the disk group: $stderr"
	[[ $stderr != *"Permission denied: permission denied"* ]] || fail "the reason twice: $stderr"
	# reading it is allowed
	run -0 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$DMABUF" read "$TARGET" --mem memfd --blocks 8
	# a directory on the way that this user cannot search
	chmod 700 "$SCRATCH_DIR"
	run -4 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$DMABUF" read "$TARGET" --mem memfd --blocks 8
	assert_error "$TARGET" "Permission denied" "search"
	[[ $stderr != *disk* ]] || fail "names the disk group: $stderr"
}

# --- i: bench's defaults in its --help ------------------------------------------------

@test "bench --help gives bench's defaults for --bs, --qd, --size, --blocks and --pattern" {
	run -0 dmabuf bench --help
	assert_line --regexp '^  -b, --bs=SIZE +bytes per request \(default 4k,'
	assert_line --regexp '^  -q, --qd=N +requests in flight \(default 32\)'
	assert_line --regexp '^  -s, --size=SIZE +bytes of memory \(default: jobs x qd x bs\)'
	assert_line --regexp '^  -n, --blocks=N +logical blocks \(default: the whole target from'
	assert_line --regexp '^  -P, --pattern=P +zero, ones or byte:0xNN, what write workloads'
	assert_output --partial "(default byte:0x5a)"
	refute_output --partial "128k"
	refute_output --partial "(default 16)"
	refute_output --partial "(default lba)"
	# the other commands keep the shared ones
	run -0 dmabuf read --help
	assert_line --regexp '^  -b, --bs=SIZE +bytes per request \(default 128k,'
	assert_line --regexp '^  -q, --qd=N +requests in flight \(default 16\)'
}

# --- j: mb_per_s ----------------------------------------------------------------------

@test "mb_per_s is MB/s (10^6 bytes/s) in the document, the schema and dmabuf-json(7)" {
	run -0 --separate-stderr dmabuf --json read "$TARGET" --mem memfd --blocks 2048
	jq -e '.io | (.mb_per_s - .bytes / .seconds / 1e6) as $d | ($d * $d) < 0.0001 * (.mb_per_s + 1) * (.mb_per_s + 1)' <<<"$output"
	run -0 jq -r '."$defs".io.properties.mb_per_s.description' "$REPO/schema/common.json"
	assert_output --partial "MB/s"
	assert_output --partial "10^6"
	refute_output --partial "MiB"
	run -0 grep -n 'mb_per_s' "$REPO/man/dmabuf-json.7.scd"
	refute_output --partial "MiB/s"
	assert_output --partial "10^6"
}
