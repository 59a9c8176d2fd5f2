#!/usr/bin/env bats
# check: what this host supports, as text and as JSON.

load helpers

@test "check reports kernel, io_uring ops and memory sources" {
	run -0 dmabuf --json check
	assert_equal "$(jq -r .kernel.release <<<"$output")" "$(uname -r)"
	assert_equal "$(jq -r .io_uring.ops.READ_FIXED <<<"$output")" "true"
	assert_equal "$(jq -r '.memory[] | select(.source=="memfd") | .available' <<<"$output")" "true"
}

@test "check says whether udmabuf exists, as the filesystem does" {
	run -0 dmabuf --json check
	want=false; [ -e /dev/udmabuf ] && want=true
	assert_equal "$(jq -r '.memory[] | select(.source=="udmabuf") | .available' <<<"$output")" "$want"
}

@test "check says whether the moving test exporter exists, as the filesystem does" {
	run -0 dmabuf --json check
	want=false; [ -e /dev/dmabuf_mover ] && want=true
	assert_equal "$(jq -r '.memory[] | select(.source=="mover") | .available' <<<"$output")" "$want"
}

@test "check on a kernel without the token uAPI says the uAPI is absent" {
	run -0 dmabuf --json check
	support=$(jq -r .dmabuf_token.support <<<"$output")
	[ "$(jq -r .dmabuf_token.uapi <<<"$output")" = false ] || skip "this kernel has the token uAPI: $support"
	assert_equal "$support" "the kernel has no dmabuf token uAPI (extended buffer update unknown)"
	# nothing more to tell without the uAPI: no interface, trigger or passthrough
	jq -e '.dmabuf_token | (has("interface") or has("trigger") or has("passthrough")) | not' <<<"$output"
}

@test "check TARGET probes the target" {
	scratch_file 1M
	run -0 dmabuf --json check "$TARGET"
	assert_equal "$(jq -r '.targets[0].path' <<<"$output")" "$TARGET"
	assert_equal "$(jq -r '.targets[0].kind' <<<"$output")" "file"
	cleanup_scratch
}

@test "check FILE names its file system, mount and device as findmnt does" {
	scratch_file 1M
	run -0 dmabuf --json check "$TARGET"
	read -r fstype mnt src < <(findmnt -n -o FSTYPE,TARGET,MAJ:MIN -T "$TARGET")
	assert_equal "$(jq -r '.targets[0].filesystem.type' <<<"$output")" "$fstype"
	assert_equal "$(jq -r '.targets[0].filesystem.mount' <<<"$output")" "$mnt"
	# the device is the one the file's st_dev names
	dev=$(jq -r '.targets[0].filesystem.device // empty' <<<"$output")
	if [ -n "$dev" ]; then
		assert_equal "$(stat -L -c '%t:%T' "$dev" | while IFS=: read -r a b; do echo $((16#$a)):$((16#$b)); done)" \
			"$(stat -c '%Hd:%Ld' "$TARGET")"
	fi
	cleanup_scratch
}

@test "check FILE on tmpfs says files there take no tokens, in text and JSON" {
	[ -d /dev/shm ] && [ "$(stat -f -c %T /dev/shm)" = tmpfs ] || skip "no tmpfs at /dev/shm"
	f=$(mktemp /dev/shm/dmabuf-check.XXXXXX)
	head -c 65536 /dev/zero > "$f"
	run -0 dmabuf --json check "$f"
	assert_equal "$(jq -r '.targets[0].filesystem.type' <<<"$output")" tmpfs
	assert_equal "$(jq -r '.targets[0].filesystem.token_refused' <<<"$output")" \
		"files on tmpfs take no dmabuf tokens: tokens reach files on ext4 and XFS"
	run -0 dmabuf check "$f"
	assert_output --partial "token_refused : files on tmpfs take no dmabuf tokens"
	rm -f "$f"
}

@test "a regular file's report names its file system" {
	scratch_file 1M
	run -0 dmabuf --json read "$TARGET" --mem memfd --blocks 8
	assert_equal "$(jq -r '.target.filesystem.type' <<<"$output")" \
		"$(findmnt -n -o FSTYPE -T "$TARGET")"
	cleanup_scratch
}

@test "check of a missing TARGET exits 2" {
	run -2 --separate-stderr dmabuf check /nonexistent
	assert_error "/nonexistent"
}

@test "check text output has a line for the token uAPI" {
	run -0 dmabuf check
	assert_output --partial "dmabuf_token"
}

@test "check --p2p adds the peer-to-peer report: kernel facts, GPUs and NVMe controllers as lspci sees them" {
	run -0 --separate-stderr dmabuf --json check --p2p
	jq -e '.p2p.kernel | has("p2pdma") and has("iommu_units") and has("config_space")' <<<"$output" >/dev/null ||
		fail "no p2p.kernel facts: $output"
	# as many display/accelerator functions and NVMe controllers as lspci lists
	if command -v lspci >/dev/null; then
		assert_equal "$(jq '.p2p.gpus | length' <<<"$output")" "$(lspci -n | awk '$2 ~ /^(03|12)/' | wc -l)"
		assert_equal "$(jq '.p2p.nvme | length' <<<"$output")" "$(lspci -n | awk '$2 ~ /^0108/' | wc -l)"
	fi
	# every GPU/NVMe pair is judged
	assert_equal "$(jq '.p2p.pairs | length' <<<"$output")" \
		"$(jq '(.p2p.gpus | length) * (.p2p.nvme | length)' <<<"$output")"
}

@test "check without --p2p has no peer-to-peer report" {
	run -0 --separate-stderr dmabuf --json check
	assert_equal "$(jq 'has("p2p")' <<<"$output")" false
}
