# Shared set-up for the VM suites (run inside the guest by tests/vm/run,
# which exports DMABUF_VM=1 and DMABUF_VM_NS512[_NG], DMABUF_VM_NS4K[_NG],
# DMABUF_VM_NS4K_MD[_NG]).
bats_require_minimum_version 1.5.0

# bats sources this file again for every test, and the load.bash of
# bats-support and bats-assert find each of their 15 files with
# $(dirname ...): an exec of dirname, whose binary comes over 9p, about
# 0.3-0.5 s apiece under TCG, which made loading the helpers cost ~8 s a
# test.  This dirname answers the same without an exec, while loading only.
dirname() {	# PATH
	local p=$1
	while [[ $p == ?*/ ]]; do p=${p%/}; done
	case $p in
	*/*)
		p=${p%/*}
		while [[ $p == ?*/ ]]; do p=${p%/}; done
		printf '%s\n' "${p:-/}" ;;
	*) echo . ;;
	esac
}
# tests/cli/helpers loads bats-support and bats-assert; works from tests/vm/iommu/ too.
load "${BASH_SOURCE[0]%/*}/../cli/helpers"
unset -f dirname

# The host's DMABUF_JSON_LOG is not writable here: documents go to the run's
# share directory, which tests/vm/run copies back into it.
if [ -n "${DMABUF_JSON_LOG:-}" ] && [ -n "${DMABUF_VM_SHARE:-}" ]; then
	DMABUF_JSON_LOG=$DMABUF_VM_SHARE/json
	[ -d "$DMABUF_JSON_LOG" ] || mkdir -p "$DMABUF_JSON_LOG"
fi

# Every memory source the VM has; the dma-buf ones; the best path without
# a token: pages where the kernel can pin the memory, else bounce.
SOURCES=(memfd hugetlb udmabuf udmabuf:huge heap drm)
DMABUF_SOURCES=(udmabuf udmabuf:huge heap drm)
declare -gA UNTOKEN_PATH=([memfd]=pages [hugetlb]=pages [udmabuf]=pages [udmabuf:huge]=pages
	[heap]=bounce [drm]=bounce)

# What auto picks on the VM kernel (kernel-patches/ has dmabuf tokens): a
# token for every dma-buf, on the block device (READ/WRITE_FIXED) and the
# passthrough char device (NVMe commands) alike.
auto_path() {	# SOURCE ENGINE
	if [ "${UNTOKEN_PATH[$1]}" != "" ] &&
	   [[ " ${DMABUF_SOURCES[*]} " == *" $1 "* ]]; then
		echo token
	else
		echo "${UNTOKEN_PATH[$1]}"
	fi
}

# The scratch directory is the one bats makes for each test and removes
# itself: a mktemp and an rm less per test, each an exec over 9p.
vm_setup() {
	[ "${DMABUF_VM:-}" = 1 ] || skip "needs the VM: run tests/vm/run"
	SCRATCH_DIR=$BATS_TEST_TMPDIR
}

# Mapped devices and partitions a test made go with it.
vm_teardown() {
	local n
	for n in $(dmsetup ls 2>/dev/null | awk '$1 ~ /^dmabuf-/ { print $1 }'); do
		dmsetup --noudevsync remove "$n" || echo "teardown: dmsetup remove $n failed"
	done
	if [ -s "$BATS_TEST_TMPDIR/parted" ]; then
		wipefs --all --quiet "$(cat "$BATS_TEST_TMPDIR/parted")" &&
			blockdev --rereadpt "$(cat "$BATS_TEST_TMPDIR/parted")"
	fi
	return 0
}

# partition DISK [START SIZE]: a GPT with one partition of SIZE sectors at
# START (the disk's logical sectors; default 16 MiB at 1 MiB of a 512 B
# disk); prints its node.  vm_teardown wipes the table.
partition() {
	printf 'label: gpt\nstart=%s, size=%s\n' "${2:-2048}" "${3:-32768}" |
		sfdisk --quiet "$1" >/dev/null || fail "sfdisk $1"
	echo "$1" > "$BATS_TEST_TMPDIR/parted"
	for _ in $(seq 100); do
		[ -b "${1}p1" ] && { echo "${1}p1"; return; }
		sleep 0.1
	done
	fail "no ${1}p1 after sfdisk"
}

# dm_linear NAME TABLE: the mapped device "dmabuf-NAME" with TABLE (lines
# "START LEN linear DEV OFFSET", in 512 B sectors); prints its /dev/dm-N.
# No udev runs in the VM: dmsetup does not wait for it, and devtmpfs makes
# the node.  vm_teardown removes it.
dm_linear() {
	printf '%s' "$2" | dmsetup --noudevsync create "dmabuf-$1" || fail "dmsetup create $1"
	echo "/dev/$(dmsetup info -c --noheadings -o blkdevname "dmabuf-$1")"
}

# The device for an engine: rw → block device, passthru → generic char device.
dev_for() {	# NSVAR ENGINE
	local v=DMABUF_VM_$1
	[ "$2" = passthru ] && v=${v}_NG
	echo "${!v}"
}

# jq_fields JSON NAME=FILTER...: F[NAME] is what `jq -r FILTER` prints for
# JSON (several outputs joined by a literal \n), every FILTER from one exec
# of jq: each exec costs 0.7 s or more under TCG, and the suites' loops
# would otherwise run one per field checked.
jq_fields() {
	local in=$1 p i prog= names=() vals=()
	shift
	for p; do
		names+=("${p%%=*}")
		prog+="${prog:+, }([${p#*=}] | map(if type == \"string\" then . else tojson end)"
		prog+=' | join("\n") | split("\n") | join("\\n"))'
	done
	mapfile -t vals < <(jq -r "$prog" <<<"$in")
	[ ${#vals[@]} -eq ${#names[@]} ] ||
		fail "jq_fields: jq answered ${#vals[@]} of ${#names[@]} fields ($*) of: $in"
	declare -gA F=()
	for i in "${!names[@]}"; do F[${names[$i]}]=${vals[$i]}; done
}

# verify_ok SRC DEV ARGS...: dmabuf verify passes; $json holds the report,
# F[] its fields the suites check (jq_fields): result, blocks_bad,
# blocks_checked, engine, path, path_why, max_transfer, ios.
verify_ok() {
	local src=$1 dev=$2
	shift 2
	run -0 --separate-stderr dmabuf --json verify "$dev" --mem "$src" --force "$@"
	json=$output
	jq_fields "$json" result=.result blocks_bad=.verify.blocks_bad \
		blocks_checked=.verify.blocks_checked engine=.target.engine path=.path \
		path_why=.path_why max_transfer=.target.max_transfer ios=.io.ios
	assert_equal "${F[result]}" ok
	assert_equal "${F[blocks_bad]}" 0
}

# ktest CASE...: tests/kernel/token-uapi runs the cases; every check passed.
# Its TAP lines are printed, so a failing test shows them all.
ktest() {
	run --separate-stderr build/tests/kernel/token-uapi "$@"
	echo "$output"
	[ -z "$stderr" ] || echo "stderr: $stderr"
	assert_success
	refute_output --partial "not ok"
}

# pci_rescan SERIAL: bring back a removed NVMe controller (echo 1 >
# /sys/bus/pci/rescan) and wait up to 30 s for a namespace of it.
pci_rescan() {
	echo 1 > /sys/bus/pci/rescan
	for _ in $(seq 300); do
		for c in /sys/class/nvme/nvme*; do
			[ "$(cat "$c/serial" 2>/dev/null | tr -d ' ')" = "$1" ] &&
				ls -d "$c"/nvme*n1 >/dev/null 2>&1 && return 0
		done
		sleep 0.1
	done
	echo "controller $1 did not come back after a PCI rescan" >&2
	return 1
}

# p2p_report: dmabuf --json check --p2p passes; $json holds it, P2P_SW and
# P2P_RC the bdfs of the NVMe controller behind the switch (serial
# DMABUF0004, tests/vm/run --p2p) and of one on the root complex
# (DMABUF0001), P2P_GPU the bochs-display's.
p2p_report() {
	[ -n "${DMABUF_VM_CTRL_0004:-}" ] || skip "needs tests/vm/run --p2p"
	run -0 --separate-stderr dmabuf --json check --p2p
	json=$output
	P2P_SW=$(basename "$(readlink -f "/sys/class/nvme/${DMABUF_VM_CTRL_0004#/dev/}/device")")
	P2P_RC=$(basename "$(readlink -f "/sys/class/nvme/${DMABUF_VM_CTRL_0001#/dev/}/device")")
	P2P_GPU=$(jq -r '.p2p.gpus[] | select(.driver == "bochs-drm") | .bdf' <<<"$json")
	[ -n "$P2P_GPU" ] || fail "no bochs-drm GPU in the report: $json"
}

# p2p_pair NVME_BDF: F[] gets the pair of P2P_GPU and that controller.
p2p_pair() {
	local pair
	pair=$(jq -c --arg g "$P2P_GPU" --arg n "$1" \
		'.p2p.pairs[] | select(.gpu == $g and .nvme == $n)' <<<"$json")
	[ -n "$pair" ] || fail "no pair $P2P_GPU, $1 in the report: $json"
	jq_fields "$pair" through=.through verdict=.verdict reason=.reason turn=.turn \
		distance=.distance redirect=.acs_redirect translates=.iommu_translates \
		same_group=.same_iommu_group hops='.path | length'
}
