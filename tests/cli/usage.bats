#!/usr/bin/env bats
# Usage errors: exit 2 and a one-line message naming the problem.

load helpers

@test "no command exits 2 and says so" {
	run -2 --separate-stderr dmabuf
	assert_equal "$stderr" "dmabuf: no command given (see 'dmabuf --help')"
}

@test "an unknown command exits 2 and names it" {
	run -2 --separate-stderr dmabuf frobnicate
	assert_equal "$stderr" "dmabuf: 'frobnicate' is not a dmabuf command (see 'dmabuf --help')"
}

@test "--help lists every command and exits 0" {
	run -0 dmabuf --help
	for c in check alloc register read write verify invalidate; do
		assert_output --partial "  $c "
	done
}

@test "--version prints the version, and the version of the libdmabuf it runs on" {
	run -0 dmabuf --version
	assert_output --regexp '^dmabuf [^ ]+ \(libdmabuf [^ ]+\)$'
}

@test "a JSON report's version is the version --version prints" {
	# Both are built from the same string; a stale object once left the
	# report a commit behind (report.o was not rebuilt on a new commit).
	run -0 dmabuf --version
	local v=${output#dmabuf }
	v=${v%% *}
	run -0 dmabuf --json check
	assert_equal "$(jq -r .version <<< "$output")" "$v"
}

@test "help CMD and CMD --help print the command's options from argp" {
	run -0 dmabuf help read
	assert_output --partial "--mem=SRC"
	assert_output --partial "--out=FILE"
	run -0 dmabuf verify --help
	assert_output --partial "--passes=N"
	assert_output --partial "--pattern=P"
}

@test "help of an unknown command exits 2" {
	run -2 --separate-stderr dmabuf help nope
	assert_equal "$stderr" "dmabuf: help: unknown command 'nope' (see 'dmabuf --help')"
}

@test "an unknown option exits 2" {
	run -2 --separate-stderr dmabuf read --bogus /dev/null
	assert_stderr_first "unrecognized option '--bogus'"
}

@test "a bad size exits 2 and names the option and the text" {
	run -2 --separate-stderr dmabuf read /etc/hostname --mem memfd --size 12q
	assert_stderr_first "--size: '12q' is not a size"
}

@test "a missing --mem exits 2" {
	run -2 --separate-stderr dmabuf read /etc/hostname
	assert_stderr_first "--mem is required"
}

@test "a missing TARGET exits 2" {
	run -2 --separate-stderr dmabuf verify --mem memfd
	assert_stderr_first "no TARGET given"
}

@test "an unknown memory source exits 2 and lists the forms" {
	run -2 --separate-stderr dmabuf read /etc/hostname --mem ramdisk
	assert_output ""
	assert_stderr_first "ramdisk"
	assert_stderr_first "udmabuf"
}

@test "an unknown --path exits 2" {
	run -2 --separate-stderr dmabuf read /etc/hostname --mem memfd --path teleport
	assert_equal "$stderr" "dmabuf: --path 'teleport': use token, pages, bounce or auto"
}

@test "an unknown --engine exits 2" {
	run -2 --separate-stderr dmabuf read /etc/hostname --mem memfd --engine warp
	assert_equal "$stderr" "dmabuf: --engine 'warp': use rw or passthru"
}

@test "--lba and --offset together exit 2" {
	run -2 --separate-stderr dmabuf read /etc/hostname --mem memfd --lba 1 --offset 512
	assert_stderr_first "--lba and --offset exclude each other"
}

@test "--qd 0 exits 2" {
	run -2 --separate-stderr dmabuf read /etc/hostname --mem memfd --qd 0
	assert_stderr_first "--qd: '0' is not a count from 1 to 1024"
}

@test "--out - with --json exits 2" {
	run -2 --separate-stderr dmabuf --json read /etc/hostname --mem memfd --out -
	assert_stderr_first "--out - and --json both want stdout"
}

# The global options go before or after the command (as nvme-cli's -o json
# and fio's options are typed after the subcommand): one argp child that
# every command's argp includes.

# The stable part of a report: its members' paths, and the values that do not
# vary from run to run (no timings).
stable_doc() {
	jq -c '{paths: [paths | map(tostring) | join(".")],
		values: {command, result, target, memory, path, range}}' <<<"$1"
}

@test "check --json, the option after the command, prints the JSON document" {
	run -0 --separate-stderr dmabuf check --json
	assert_equal "$(jq -r .command <<<"$output")" "check"
	assert_equal "$(jq -r '.schema | type' <<<"$output")" "number"
}

@test "read ... --json gives the document --json before the command gives" {
	scratch_file 1M
	run -0 --separate-stderr dmabuf --json read "$TARGET" --mem memfd --blocks 8
	before=$(stable_doc "$output")
	run -0 --separate-stderr dmabuf read "$TARGET" --mem memfd --blocks 8 --json
	after=$(stable_doc "$output")
	run -0 --separate-stderr dmabuf read --json "$TARGET" --mem memfd --blocks 8
	middle=$(stable_doc "$output")
	cleanup_scratch
	assert_equal "$(jq -r .values.command <<<"$before")" "read"
	assert_equal "$after" "$before"
	assert_equal "$middle" "$before"
}

@test "bench ... --json prints fio's names, as with --json before the command" {
	scratch_file 1M
	run -0 --separate-stderr dmabuf bench "$TARGET" --mem memfd --ios 4 --json
	cleanup_scratch
	assert_equal "$(jq -r .command <<<"$output")" "bench"
	assert_equal "$(jq -r '.jobs[0].read | has("iops")' <<<"$output")" "true"
}

@test "-v and --verbose after the command print the diagnostics -v before it prints" {
	scratch_file 1M
	run -0 --separate-stderr dmabuf -v read "$TARGET" --mem memfd --blocks 8
	before=$stderr
	run -0 --separate-stderr dmabuf read "$TARGET" --mem memfd --blocks 8 -v
	after=$stderr
	run -0 --separate-stderr dmabuf read "$TARGET" --mem memfd --blocks 8 --verbose
	long=$stderr
	run -0 --separate-stderr dmabuf read "$TARGET" --mem memfd --blocks 8
	quiet=$stderr
	cleanup_scratch
	[[ $before == *"dmabuf: memory memfd: 4096 bytes; path pages"* ]] || fail "-v before: '$before'"
	assert_equal "$after" "$before"
	assert_equal "$long" "$before"
	assert_equal "$quiet" ""
}

@test "dmabuf -h is dmabuf --help" {
	run -0 dmabuf --help
	help=$output
	run -0 dmabuf -h
	assert_equal "$output" "$help"
	assert_output --partial "  read "
}

@test "dmabuf read -h is dmabuf read --help, and so for every command" {
	for c in check alloc register read write verify invalidate bench; do
		run -0 dmabuf "$c" --help
		help=$output
		run -0 dmabuf "$c" -h
		assert_equal "$output" "$help"
	done
	run -0 dmabuf read -h
	assert_output --partial "--out=FILE"
}

@test "every command's --help lists the global options" {
	for c in check alloc register read write verify invalidate bench; do
		run -0 dmabuf "$c" --help
		assert_output --partial "Global options"
		assert_output --regexp $'\n +--json '
		assert_output --regexp $'\n +-v, --verbose '
		assert_output --regexp $'\n +-h[, ]'
	done
}

@test "--json after the command counts in the command's own checks: --out - --json exits 2" {
	run -2 --separate-stderr dmabuf read /etc/hostname --mem memfd --out - --json
	assert_stderr_first "--out - and --json both want stdout"
}

@test "every option a man page names in bold is one dmabuf takes (fio's, in dmabuf-bench(1), apart)" {
	local root=$BATS_TEST_DIRNAME/../.. c o opts=
	for c in check alloc register read write verify invalidate bench; do
		run -0 dmabuf "$c" --help
		opts+=$output
	done
	run -0 dmabuf --help
	opts+=$output
	# dmabuf-bench(1) sets bench beside fio: these are fio's
	local fio=" --group_reporting --hipri --ioengine --norandommap --number_ios --output-format --registerfiles --sqthread_poll "
	for o in $(grep -oh -- '\*--[a-z0-9_-]*' "$root"/man/*.scd | tr -d '*' | sort -u); do
		[[ $fio == *" $o "* ]] && continue
		grep -qE -- "$o([=, ]|$)" <<<"$opts" ||
			fail "$o, named in $(grep -l -- "\*$o" "$root"/man/*.scd | xargs -n1 basename | tr '\n' ' '), is no option of dmabuf"
	done
}

@test "tests/vm/check-tier --help prints its usage and boots nothing" {
	# It once passed --help on to every boot and started the whole tier.
	run -0 --separate-stderr timeout 20 "$BATS_TEST_DIRNAME/../vm/check-tier" --help
	assert_output --partial 'Usage: check-tier [-h|--help] [--suites "FILE.bats..."]'
	refute_output --partial booting
}

@test "the defaults --help gives for --bs and --qd are the ones that run: read, and bench's own" {
	# The help text is made from the same definitions (tool/engine.h,
	# cmd/bench.c); this fails when one of them changes alone.
	scratch_file 4M
	run -0 dmabuf read --help
	bs=$(sed -n 's/.*--bs=SIZE .*(default \([0-9]*\)k, .*/\1/p' <<<"$output")
	[ -n "$bs" ] || fail "no --bs default in read --help"
	run -0 --separate-stderr dmabuf --json read "$TARGET" --mem memfd --length 4M
	ios=$(jq -r .io.ios <<<"$output")
	run -0 dmabuf bench --help
	bbs=$(sed -n 's/.*--bs=SIZE .*(default \([0-9]*\)k, .*/\1/p' <<<"$output")
	bqd=$(sed -n 's/.*--qd=N .*(default \([0-9]*\)).*/\1/p' <<<"$output")
	[[ $output == *"bench's own defaults: --bs ${bbs}k, --qd $bqd,"* ]] ||
		fail "bench's epilogue disagrees with its option list (--bs ${bbs}k, --qd $bqd)"
	run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --ios 8
	cleanup_scratch
	assert_equal "$ios" $((4 * 1024 / bs))
	assert_equal "$(jq -r .workload.bs <<<"$output")" $((bbs * 1024))
	assert_equal "$(jq -r .workload.qd <<<"$output")" "$bqd"
}
