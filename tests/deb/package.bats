#!/usr/bin/env bats
# debian/: the three packages build with dpkg-buildpackage from a copy of
# the tree, are lintian clean at the default level, and what they hold
# works once unpacked in a scratch root: the command, its man pages and
# completions, pkg-config, and the example built and run against it.

load ../cli/helpers

REPO=$BATS_TEST_DIRNAME/../..

setup_file() {
	export WORK=$(mktemp -d /var/tmp/dmabuf-deb.XXXXXX)
	mkdir "$WORK/src" "$WORK/root"
	# the tree as git sees it, built outputs aside
	(cd "$REPO" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - --) | tar -xf - -C "$WORK/src"
	(cd "$WORK/src" && dpkg-buildpackage -us -uc -b >"$WORK/build.log" 2>&1) ||
		{ tail -40 "$WORK/build.log" >&3; return 1; }
	for d in "$WORK"/*.deb; do dpkg-deb -x "$d" "$WORK/root"; done
	export ARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
}
teardown_file() { rm -rf "$WORK"; }

@test "dpkg-buildpackage -us -uc -b gives dmabuf, libdmabuf1 and libdmabuf-dev" {
	for p in dmabuf libdmabuf1 libdmabuf-dev; do
		ls "$WORK/${p}_"*.deb >/dev/null || fail "no $p package"
	done
	# the command depends on the library through its symbols file
	run -0 dpkg-deb -f "$WORK"/dmabuf_*.deb Depends
	assert_output --regexp 'libdmabuf1 \(>= 0\.2\)'
	run -0 dpkg-deb -f "$WORK"/libdmabuf-dev_*.deb Depends
	assert_output --partial "liburing-dev"
}

@test "lintian finds no error and no warning" {
	run lintian --tag-display-limit 0 "$WORK"/*.changes
	refute_output --regexp '^[EW]: '
}

@test "each package holds its part: the library alone, the development files and the kernel series" {
	run -0 dpkg-deb -c "$WORK"/libdmabuf1_*.deb
	assert_output --partial "./usr/lib/$ARCH/libdmabuf.so.1.0.0"
	refute_output --partial "/usr/bin/"
	refute_output --partial ".h"
	run -0 dpkg-deb -c "$WORK"/libdmabuf-dev_*.deb
	for f in usr/include/dmabuf/dmabuf.h "usr/lib/$ARCH/libdmabuf.so " "usr/lib/$ARCH/pkgconfig/dmabuf.pc" \
		usr/share/man/man3/dmabuf_register.3.gz usr/share/dmabuf/examples/token-read.c \
		usr/share/doc/libdmabuf-dev/kernel-patches/series \
		usr/share/doc/libdmabuf-dev/kernel-patches/0012-io_uring-rsrc-register-dma-bufs-as-fixed-buffers-for.patch; do
		assert_output --partial "./$f"
	done
	refute_output --partial "include/dmabuf/mem.h"
	run -0 dpkg-deb -c "$WORK"/dmabuf_*.deb
	for f in usr/bin/dmabuf usr/share/man/man1/dmabuf-verify.1.gz usr/share/man/man7/dmabuf-json.7.gz \
		usr/share/bash-completion/completions/dmabuf usr/share/dmabuf/schema/verify.json \
		usr/share/dmabuf/bats/dmabuf.bash; do
		assert_output --partial "./$f"
	done
}

@test "unpacked: dmabuf --version, man pages, completions" {
	export LD_LIBRARY_PATH=$WORK/root/usr/lib/$ARCH
	run -0 "$WORK/root/usr/bin/dmabuf" --version
	assert_output --regexp '^dmabuf '
	run -0 man -l "$WORK/root/usr/share/man/man1/dmabuf-verify.1.gz"
	assert_output --partial "dmabuf-verify"
	run -0 man -l "$WORK/root/usr/share/man/man3/dmabuf_mem_close.3.gz"
	assert_output --partial "dmabuf_mem_open"
	run -0 bash -c "source '$WORK/root/usr/share/bash-completion/completions/dmabuf' && complete -p dmabuf"
	assert_output --partial "dmabuf"
}

@test "unpacked: pkg-config gives the flags, and the example builds with them and reads a range" {
	scratch_file 1M
	head -c 1M /dev/urandom >"$TARGET"
	# the unpacked root stands for / : pkg-config prefixes its paths with it
	export PKG_CONFIG_SYSROOT_DIR=$WORK/root PKG_CONFIG_PATH=$WORK/root/usr/lib/$ARCH/pkgconfig \
		LD_LIBRARY_PATH=$WORK/root/usr/lib/$ARCH
	run -0 pkg-config --cflags --libs-only-L dmabuf
	assert_line --partial "-I$WORK/root/usr/include -L$WORK/root/usr/lib/$ARCH"
	# Requires: liburing (libdmabuf-dev depends on liburing-dev)
	run -0 pkg-config --libs-only-l dmabuf
	assert_equal "$(echo $output)" "-ldmabuf -luring"
	cp "$WORK"/root/usr/share/dmabuf/examples/* "$SCRATCH_DIR/"
	run -0 make -s -C "$SCRATCH_DIR"
	"$SCRATCH_DIR/token-read" -m memfd -p auto "$TARGET" 0 1048576 >"$SCRATCH_DIR/out" 2>"$SCRATCH_DIR/err"
	assert_equal "$(cat "$SCRATCH_DIR/err")" "token-read: memfd via pages"
	cmp "$TARGET" "$SCRATCH_DIR/out"
	cleanup_scratch
}
