#!/usr/bin/env bats
# make install puts the binary, the man pages, the completions and the JSON
# schemas under
# DESTDIR/PREFIX.

load helpers

setup() { DEST=$(mktemp -d /var/tmp/dmabuf-install.XXXXXX); }
teardown() { rm -rf "$DEST"; }

@test "make install DESTDIR PREFIX installs binary, man pages and completions" {
	run -0 make -s -C "$BATS_TEST_DIRNAME/../.." install DESTDIR="$DEST" PREFIX=/opt/db
	[ -x "$DEST/opt/db/bin/dmabuf" ]
	for c in check alloc register read write verify invalidate; do
		[ -s "$DEST/opt/db/share/man/man1/dmabuf-$c.1" ] || fail "no dmabuf-$c.1"
	done
	[ -s "$DEST/opt/db/share/man/man1/dmabuf.1" ]
	[ -s "$DEST/opt/db/share/man/man7/dmabuf-json.7" ]
	[ -s "$DEST/opt/db/share/man/man7/dmabuf-bats.7" ]
	[ -s "$DEST/opt/db/share/dmabuf/bats/dmabuf.bash" ]
	[ -s "$DEST/opt/db/share/dmabuf/bats/example.bats" ]
	for c in common check alloc register read write verify invalidate bench; do
		jq -e '."$id"' "$DEST/opt/db/share/dmabuf/schema/$c.json" >/dev/null || fail "no schema $c.json"
	done
	[ -s "$DEST/opt/db/share/bash-completion/completions/dmabuf" ]
	[ -s "$DEST/opt/db/share/zsh/site-functions/_dmabuf" ]
	[ -s "$DEST/opt/db/share/fish/vendor_completions.d/dmabuf.fish" ]
	# no run path in an installed binary: the loader finds the library
	run -0 env LD_LIBRARY_PATH="$DEST/opt/db/lib" "$DEST/opt/db/bin/dmabuf" --version
	run -0 readelf -d "$DEST/opt/db/bin/dmabuf"
	refute_output --partial RUNPATH
	refute_output --partial RPATH
}

@test "every make target that boots the VM suites builds what they use, as check-vm does" {
	# check-vm-debug once lacked install-root: from a fresh clone the
	# suites that run the installed copy failed on the debug kernel.
	local want got t
	run -0 make -s -C "$BATS_TEST_DIRNAME/../.." -p -n help
	want=$(grep -m1 '^check-vm:' <<< "$output")
	want=${want#check-vm:}
	[ -n "$want" ] || fail "no check-vm rule in make's database"
	for t in check-vm-debug check-kernel-debug; do
		got=$(grep -m1 "^$t:" <<< "$output")
		assert_equal "$t:${got#"$t":}" "$t:$want"
	done
}
