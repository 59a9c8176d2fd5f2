#!/usr/bin/env bats
# tests/gpu/run, the GPU machine's validation script, on a host without a GPU:
# its "no GPU" answer, and its table over a source that exists everywhere.
# The stand-in runtime (tests/gpu/stub-runtime.c) makes the answer the same
# whether or not the host has a real runtime installed.

load helpers

RUN=$BATS_TEST_DIRNAME/../gpu/run
STUBS=$BATS_TEST_DIRNAME/../../build/tests/gpu

setup() { scratch_file 64M; }
teardown() { cleanup_scratch; }

@test "gpu/run without a GPU runtime: exit 3, and it names the libraries that are missing" {
	if dmabuf --json check | jq -e '.memory[] | select(.source == "cuda" or .source == "hip") | select(.available)' >/dev/null; then
		skip "a GPU runtime and device are installed here: the script runs its table instead"
	fi
	run -3 "$RUN"
	assert_line --index 0 "tests/gpu/run: no GPU memory source on this machine:"
	assert_line --partial "cuda: libcuda.so.1"
	assert_line --partial "hip: libamdhip64.so"
	refute_line --partial "SOURCE"
}

@test "gpu/run with a runtime but no device: exit 3, and it says there is no device" {
	STUB_GPU_DEVICES=0 run -3 env LD_LIBRARY_PATH="$STUBS/cuda:$STUBS/hip" "$RUN"
	assert_line --partial "cuda: "
	assert_line --partial "no CUDA device here"
	assert_line --partial "no HIP device here"
}

@test "gpu/run --mem memfd: one table with alloc, bounce, auto and round-trip rows that pass, and the same table in --out" {
	run -0 "$RUN" --mem memfd --target "$TARGET" --length 2M --out "$SCRATCH_DIR/t.txt"
	assert_line --index 1 --regexp '^SOURCE +STEP +PATH +RESULT +BLOCKS +BAD +UNDELIV +MB/S +DETAIL$'
	assert_line --regexp '^memfd +alloc +- +pass .*2097152 bytes'
	assert_line --regexp '^memfd +verify +bounce +pass +4096 +0 +0 '
	assert_line --regexp '^memfd +verify +pages +pass +4096 +0 +0 '
	assert_line --regexp '^memfd +round-trip +pages +pass +4096 +0 +0 .*scratch LBA 4096, drive 0 bad'
	assert_line --regexp '^p2p '
	assert_equal "$(cat "$SCRATCH_DIR/t.txt")" "$output"
}

@test "gpu/run: a named source that is missing here is an unsupported row and exit 3; bad arguments exit 2" {
	STUB_GPU_DEVICES=0 run -3 env LD_LIBRARY_PATH="$STUBS/cuda" "$RUN" --mem cuda --target "$TARGET" --length 2M
	assert_line --regexp '^cuda +alloc +- +unsupported .*no CUDA device here'
	run -2 "$RUN" --device x
	assert_output --partial "not a device number"
	run -2 "$RUN" --bogus
	assert_output --partial "unknown argument '--bogus'"
}
