#!/usr/bin/env bats
# libdmabuf.so: its ABI (soname, exported symbols and their version), the
# public header, the CLI as one of its users, and the installed copy used
# as a program outside the tree would use it: pkg-config, the man pages,
# the example built and run.

load helpers

REPO=$BATS_TEST_DIRNAME/../..
BUILD=$(dirname "$(readlink -f "$DMABUF")")
LIB=$BUILD/libdmabuf.so.1

# The names lib/libdmabuf.map exports, sorted; with a node name, that node's only.
map_symbols() {
	awk -v node="${1:-}" '
		/^DMABUF_[0-9.]+ \{/ { cur = $1 }
		/^global:/ { on = 1; next }
		/^local:|^\}/ { on = 0 }
		on && (node == "" || cur == node) && match($0, /dmabuf_[a-z_0-9]*/) { print substr($0, RSTART, RLENGTH) }
	' "$REPO/lib/libdmabuf.map" | sort
}

@test "libdmabuf.so.1 exports exactly the symbols of its map, each at its node's version, under soname libdmabuf.so.1" {
	run -0 readelf -d "$LIB"
	assert_output --partial "Library soname: [libdmabuf.so.1]"
	exported=$(nm -D --defined-only "$LIB" | awk '$2 == "T" || $2 == "D" || $2 == "B" { print $3 }' | sort)
	# nothing without a version, nothing internal (db_*) leaks
	refute grep -Ev '@@DMABUF_0\.[12]$' <<<"$exported"
	assert_equal "$(sed 's/@@DMABUF_0\.[12]$//' <<<"$exported" | sort)" "$(map_symbols)"
	for v in DMABUF_0.1 DMABUF_0.2; do
		assert_equal "$(grep "@@$v\$" <<<"$exported" | sed "s/@@$v\$//" | sort)" "$(map_symbols $v)"
	done
	[ "$(map_symbols DMABUF_0.1 | wc -l)" -ge 30 ] || fail "the map lists too few symbols"
	[ "$(map_symbols DMABUF_0.2 | wc -l)" -ge 9 ] || fail "the 0.2 node lists too few symbols"
	# the node versions as version definitions, 0.2 inheriting 0.1
	run -0 readelf -V "$LIB"
	assert_output --regexp 'Name: DMABUF_0\.2'
	assert_output --regexp 'Parent 1: DMABUF_0\.1'
}

@test "the library never prints and never exits: libdmabuf.so.1 imports no output or exit call" {
	run -0 nm -D --undefined-only "$LIB"
	# snprintf and friends into the caller's buffers are fine; a stream, a fd, syslog or an exit are not
	refute_output --regexp ' (__)?(v?f?printf|v?dprintf|puts|fputs|fputc|putc|putchar|perror|fwrite|v?syslog|v?warnx?|v?errx?|error|exit|_exit|_Exit|abort)(_chk)?@'
	assert_output --partial "snprintf"
}

@test "every exported function is declared in dmabuf/dmabuf.h, and the header stands alone in C99 and C++" {
	for f in $(map_symbols); do
		grep -Eq "\b$f\(" "$REPO/include/dmabuf/dmabuf.h" || fail "$f is exported but not declared"
	done
	run -0 cc -std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$REPO/include" -x c - <<<'#include <dmabuf/dmabuf.h>'
	run -0 g++ -Wall -Wextra -Werror -fsyntax-only -I"$REPO/include" -x c++ - <<<'#include <dmabuf/dmabuf.h>'
}

@test "the CLI reaches memory, registration, requests and patterns through libdmabuf.so.1 like any user" {
	run -0 readelf -d "$DMABUF"
	assert_output --partial "Shared library: [libdmabuf.so.1]"
	imported=$(nm -D --undefined-only "$DMABUF")
	for f in dmabuf_mem_open dmabuf_register dmabuf_unregister dmabuf_token_probe \
		dmabuf_pattern_check dmabuf_canary_fill; do
		grep -q " $f@DMABUF_0.1" <<<"$imported" || fail "the CLI does not take $f from the library"
	done
	# every request it issues is encoded, read and bounced by the library
	for f in dmabuf_prep_rw dmabuf_nvme_rw_cmd dmabuf_prep_nvme_cmd dmabuf_io_result \
		dmabuf_io_reissue dmabuf_io_start dmabuf_io_done; do
		grep -q " $f@DMABUF_0.2" <<<"$imported" || fail "the CLI does not take $f from the library"
	done
	# and does not carry its own copy of the library's internals
	run nm "$DMABUF"
	refute_output --regexp ' [Tt] db_(mem|pattern)_'
	refute_output --regexp ' [Tt] (dmabuf_(prep|io|nvme_rw)_|db_nvme_rw_cmd)'
}

@test "installed: library, header, pkg-config file, man 3 pages for every public function" {
	DEST=$(mktemp -d /var/tmp/dmabuf-lib.XXXXXX)
	run -0 make -s -C "$REPO" install DESTDIR="$DEST" PREFIX=/usr
	[ -L "$DEST/usr/lib/libdmabuf.so" ] && [ -L "$DEST/usr/lib/libdmabuf.so.1" ] || fail "no .so links"
	[ -f "$DEST/usr/include/dmabuf/dmabuf.h" ]
	[ ! -e "$DEST/usr/include/dmabuf/mem.h" ] || fail "an internal header was installed"
	run -0 env PKG_CONFIG_SYSROOT_DIR="$DEST" PKG_CONFIG_PATH="$DEST/usr/lib/pkgconfig" \
		pkg-config --cflags --libs-only-L dmabuf
	assert_line --partial "-I$DEST/usr/include -L$DEST/usr/lib"
	# Requires: liburing, whose ring and SQEs every call takes
	run -0 env PKG_CONFIG_PATH="$DEST/usr/lib/pkgconfig" pkg-config --libs-only-l dmabuf
	assert_equal "$(echo $output)" "-ldmabuf -luring"
	run -0 env PKG_CONFIG_PATH="$DEST/usr/lib/pkgconfig" pkg-config --print-requires dmabuf
	assert_output "liburing"
	run -0 env PKG_CONFIG_PATH="$DEST/usr/lib/pkgconfig" pkg-config --modversion dmabuf
	assert_output "1.0.0"
	for f in $(map_symbols) libdmabuf; do
		[ -s "$DEST/usr/share/man/man3/$f.3" ] || fail "no man page for $f"
	done
	grep -q '^\.so man3/dmabuf_mem_open\.3$' "$DEST/usr/share/man/man3/dmabuf_mem_close.3"
	rm -rf "$DEST"
}

@test "the installed example builds with pkg-config alone and reads a range by the pages and bounce paths" {
	scratch_file 1M
	DEST=$SCRATCH_DIR/root
	make -s -C "$REPO" install DESTDIR="$DEST" PREFIX=/usr >/dev/null
	cp "$DEST"/usr/share/dmabuf/examples/* "$SCRATCH_DIR/"
	run -0 env PKG_CONFIG_SYSROOT_DIR="$DEST" PKG_CONFIG_PATH="$DEST/usr/lib/pkgconfig" \
		make -s -C "$SCRATCH_DIR" token-read CFLAGS="-O2 -Wall -Wextra -Werror"
	head -c 1M /dev/urandom > "$TARGET"
	export LD_LIBRARY_PATH=$DEST/usr/lib
	"$SCRATCH_DIR/token-read" -m memfd -p auto "$TARGET" 8192 262144 >"$SCRATCH_DIR/out" 2>"$SCRATCH_DIR/err"
	assert_equal "$(cat "$SCRATCH_DIR/err")" "token-read: memfd via pages"
	dd if="$TARGET" bs=4096 skip=2 count=64 status=none | cmp - "$SCRATCH_DIR/out"
	"$SCRATCH_DIR/token-read" -m memfd -p bounce "$TARGET" 0 1048576 >"$SCRATCH_DIR/out" 2>"$SCRATCH_DIR/err"
	assert_equal "$(cat "$SCRATCH_DIR/err")" "token-read: memfd via bounce"
	cmp "$TARGET" "$SCRATCH_DIR/out"
	# a token needs an NVMe target: a file says why, and the status says "not here"
	run -3 --separate-stderr "$SCRATCH_DIR/token-read" -m memfd -p token "$TARGET" 0 4096
	assert_equal "$stderr" "token-read: memfd: token registration: Operation not supported: memfd memory is not a dma-buf"
	run -2 "$SCRATCH_DIR/token-read" "$TARGET" 0
	cleanup_scratch
}
