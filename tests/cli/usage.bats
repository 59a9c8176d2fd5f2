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
