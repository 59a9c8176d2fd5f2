# dmabuf — build, test, install.  `make help` lists the targets.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
DATADIR    ?= $(PREFIX)/share/dmabuf
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR    ?=

SHELL      := /bin/bash
.SHELLFLAGS := -o pipefail -c

VERSION    := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)
# libdmabuf's ABI: the SONAME's major and the symbols of lib/libdmabuf.map.
SO_MAJOR   := 1
SO_VERSION := 1.0.0
CC         ?= cc
O          ?= build
CFLAGS     ?= -O2 -g
WARN       := -Wall -Wextra -Werror -Wshadow -Wformat -Wformat-security -Wno-missing-field-initializers
CPPFLAGS   += -Iinclude -iquote lib -I/usr/include/libdrm -D_GNU_SOURCE -DDMABUF_VERSION='"$(VERSION)"'
ALL_CFLAGS  = -std=gnu11 $(WARN) $(CFLAGS) -fPIC -MMD -MP
SO_LDLIBS  := -luring -lnvme -ldrm -ldrm_amdgpu -lmount -lblkid -ldl -lpthread
LDLIBS     += -luring -lnvme -ldrm -ldrm_amdgpu -ljson-c -lmount -lblkid -lpci -ldl -lm -lpthread

# Three folders, three parts.  lib/: libdmabuf.so, the library other
# programs link: memory sources, buffer paths and tokens, requests
# (READ_FIXED, WRITE_FIXED, NVMe passthrough) and target facts, patterns;
# its public header is include/dmabuf/dmabuf.h, the only one installed, and
# lib/*.h are its private headers.  tool/: the dmabuf command's own
# machinery (engines, I/O contexts, reports, benchmarks, safety rules,
# probes), linked into the CLI, which reaches the library through its
# public API like any other user.  cmd/: the commands.  drm.c, err.c,
# fsinfo.c, nvme.c, target.c and util.c of lib/ (DRM nodes, error context,
# a file's file system, NVMe facts, targets, small helpers) are built into
# both: the library keeps its copy hidden.
SO_SRC     := $(sort $(wildcard lib/*.c))
COMMON_SRC := lib/drm.c lib/err.c lib/fsinfo.c lib/nvme.c lib/target.c lib/util.c
LIB_SRC    := $(sort $(wildcard lib/*.c tool/*.c))
TOOL_SRC   := $(sort $(wildcard tool/*.c) $(COMMON_SRC))
# The library cannot see the tool's headers: lib/ is compiled without -Itool.
TOOL_CPPFLAGS := -iquote tool
CMD_SRC    := $(sort $(wildcard cmd/*.c cmd/shared/*.c))
# tests/unit/fixture.c: the O_DIRECT file and fixed buffers several unit tests share.
UNIT_FIXTURE := tests/unit/fixture.c
UNIT_SRC   := $(filter-out $(UNIT_FIXTURE),$(sort $(wildcard tests/unit/*.c)))
# tests/kernel/ktest.c: the helpers the programs there share, in each of them.
KTEST_LIB  := tests/kernel/ktest.c
KTEST_SRC  := $(filter-out $(KTEST_LIB),$(sort $(wildcard tests/kernel/*.c)))
# tests/kernel/token-uapi/: one program, a file a topic, on its header and ktest.c.
TOKEN_UAPI_SRC := $(sort $(wildcard tests/kernel/token-uapi/*.c))
MAN_SRC    := $(sort $(wildcard man/*.scd))

LIB_OBJ    := $(LIB_SRC:%.c=$(O)/%.o)
SO_OBJ     := $(SO_SRC:%.c=$(O)/%.o)
TOOL_OBJ   := $(TOOL_SRC:%.c=$(O)/%.o)
SO_REAL    := $(O)/libdmabuf.so.$(SO_VERSION)
SO_LINKS   := $(O)/libdmabuf.so.$(SO_MAJOR) $(O)/libdmabuf.so
CMD_OBJ    := $(CMD_SRC:%.c=$(O)/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
KTEST_BIN  := $(KTEST_SRC:tests/kernel/%.c=$(O)/tests/kernel/%) $(O)/tests/kernel/token-uapi
MAN_OUT    := $(MAN_SRC:man/%.scd=$(O)/man/%)

all: dmabuf man ktests gpu-stubs examples

dmabuf: $(O)/dmabuf
	@ln -sf $(O)/dmabuf dmabuf

# The CLI: cmd/ and the tool's parts of lib/, on libdmabuf.so.  In the tree
# it finds the library next to itself ($ORIGIN); `make install` links a
# copy without that run path ($(O)/dmabuf.install).
CLI_LINK = $(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CMD_OBJ) $(O)/libdmabuf-tool.a -L$(O) -ldmabuf $(LDLIBS)
$(O)/dmabuf: $(CMD_OBJ) $(O)/libdmabuf-tool.a $(SO_LINKS)
	$(CLI_LINK) -Wl,-rpath,'$$ORIGIN'
$(O)/dmabuf.install: $(CMD_OBJ) $(O)/libdmabuf-tool.a $(SO_LINKS)
	$(CLI_LINK)

$(O)/libdmabuf-tool.a: $(TOOL_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

# Everything of lib/, unexported symbols included: for the unit tests and
# the fuzzer, which test the internals.
$(O)/libdmabuf-internal.a: $(LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(SO_REAL): $(SO_OBJ) lib/libdmabuf.map
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libdmabuf.so.$(SO_MAJOR) \
		-Wl,--version-script,lib/libdmabuf.map -Wl,--no-undefined -o $@ $(SO_OBJ) $(SO_LDLIBS)
$(SO_LINKS): $(SO_REAL)
	ln -sf $(notdir $(SO_REAL)) $@

# examples/: programs on libdmabuf and liburing only, built as a user would.
EXAMPLE_SRC := $(sort $(wildcard examples/*.c))
EXAMPLE_BIN := $(EXAMPLE_SRC:examples/%.c=$(O)/examples/%)
examples: $(EXAMPLE_BIN)
$(O)/examples/%: examples/%.c include/dmabuf/dmabuf.h $(SO_LINKS)
	@mkdir -p $(dir $@)
	$(CC) -Iinclude $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< -L$(O) -ldmabuf -luring -Wl,-rpath,'$$ORIGIN/..'

$(O)/tool/%.o $(O)/cmd/%.o: CPPFLAGS += $(TOOL_CPPFLAGS)
$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# What embeds $(VERSION) is rebuilt when it changes (a new commit, a dirty tree).
$(O)/version.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
# Found by grep, so a new user of DMABUF_VERSION cannot be missed (report.o
# once was, and JSON reports named the commit before).
VERSION_OBJ := $(patsubst %.c,$(O)/%.o,$(shell grep -l DMABUF_VERSION lib/*.c tool/*.c cmd/*.c))
$(VERSION_OBJ): $(O)/version.stamp
FORCE:

$(O)/tests/unit/fixture.o: CPPFLAGS += $(TOOL_CPPFLAGS)
$(O)/tests/unit/%: tests/unit/%.c $(O)/tests/unit/fixture.o $(O)/libdmabuf-internal.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TOOL_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(O)/tests/unit/fixture.o \
		$(O)/libdmabuf-internal.a $(LDLIBS) -lcmocka

# tests/kernel: standalone uAPI tests, raw syscalls, nothing of lib/:
# file-tokens.c one program, token-uapi/ another, each with ktest.c's helpers.
KTEST_CFLAGS = -I/usr/include/libdrm -D_GNU_SOURCE $(ALL_CFLAGS)
ktests: $(KTEST_BIN)
$(O)/tests/kernel/ktest.o: $(KTEST_LIB) tests/kernel/ktest.h
	@mkdir -p $(dir $@)
	$(CC) $(KTEST_CFLAGS) -c -o $@ $<
$(O)/tests/kernel/token-uapi: $(TOKEN_UAPI_SRC) tests/kernel/token-uapi/token-uapi.h tests/kernel/ktest.h \
			      $(O)/tests/kernel/ktest.o
	@mkdir -p $(dir $@)
	$(CC) $(KTEST_CFLAGS) -iquote tests/kernel $(LDFLAGS) -o $@ $(TOKEN_UAPI_SRC) $(O)/tests/kernel/ktest.o \
		-luring -lpthread
$(O)/tests/kernel/%: tests/kernel/%.c tests/kernel/ktest.h $(O)/tests/kernel/ktest.o
	@mkdir -p $(dir $@)
	$(CC) $(KTEST_CFLAGS) $(LDFLAGS) -o $@ $< $(O)/tests/kernel/ktest.o -luring -lpthread

# tests/bench/file-load.c: make bench's file -> dma-buf loader, on ktest.c.
$(O)/tests/bench/file-load: tests/bench/file-load.c tests/kernel/ktest.h $(O)/tests/kernel/ktest.o
	@mkdir -p $(dir $@)
	$(CC) $(KTEST_CFLAGS) $(LDFLAGS) -o $@ $< $(O)/tests/kernel/ktest.o -luring -lpthread

# tests/gpu/stub-runtime.c: the GPU runtimes' entry points over a udmabuf,
# for the VM tier (no GPU there); one build per soname dmabuf dlopens.
GPU_STUBS := $(O)/tests/gpu/cuda/libcuda.so.1 $(O)/tests/gpu/hip/libamdhip64.so
gpu-stubs: $(GPU_STUBS)
$(GPU_STUBS): tests/gpu/stub-runtime.c
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE $(ALL_CFLAGS) -fPIC -shared $(LDFLAGS) -Wl,-soname,$(notdir $@) -o $@ $<

man: $(MAN_OUT)
$(O)/man/%: man/%.scd
	@mkdir -p $(dir $@)
	scdoc < $< > $@

# Sanitizer build: its own object dir, binary build-asan/dmabuf.
asan:
	$(MAKE) O=build-asan CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/dmabuf unit-bins examples O=build-asan

# ThreadSanitizer build of the command (its own object dir): check-tsan runs
# the suites of what runs in several threads with it.
TSAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
tsan:
	$(MAKE) O=build-tsan CFLAGS="$(TSAN_CFLAGS)" LDFLAGS="-fsanitize=thread" build-tsan/dmabuf O=build-tsan

unit-bins: $(UNIT_BIN)

# libFuzzer (clang) on the parsers of what a user types, for FUZZ_SECS
# seconds from tests/fuzz/corpus (new inputs go to build-fuzz/corpus); any
# crash or sanitizer report fails.  Prints the executions and coverage.
FUZZ_SECS ?= 60
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
fuzz:
	@tests/install-deps fuzz
	$(MAKE) O=build-fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link" build-fuzz/libdmabuf-internal.a
	clang $(CPPFLAGS) $(TOOL_CPPFLAGS) $(ALL_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o build-fuzz/fuzz-parsers \
		tests/fuzz/fuzz-parsers.c build-fuzz/libdmabuf-internal.a $(LDLIBS)
	@mkdir -p build-fuzz/corpus
	tests/fuzz/run build-fuzz/fuzz-parsers $(FUZZ_SECS) build-fuzz/corpus tests/fuzz/corpus

# --- tests -----------------------------------------------------------------
# check = deps + the unit, cli, harness and vm tiers (tests/vm/README.md), the Debian
# packages (deb), the sanitizer build running the unit and cli tiers and the
# ThreadSanitizer build running tests/cli/threads.bats.  Each tier prints "TIER: N passed, N failed,
# N skipped"; the last line is the total.
# The vm tier runs beside the host tiers: on two cores check-tier boots one
# guest at a time, which keeps about one core busy, so the host tiers take
# the other instead of adding their time to the run.  Its output goes to
# $(O)/check-vm.log and is printed from the start once the host tiers end,
# then followed.  Every tier runs whatever another one gives (-k).  The vm
# tier is a session of its own (setsid): an interrupt stops it through the
# trap (a background job would ignore SIGINT, and its guests would go on).
SUMMARY := $(CURDIR)/$(O)/test-summary
export DMABUF_SUMMARY
check: deps
	@mkdir -p $(O) && rm -f $(SUMMARY)
	$(MAKE) all $(VM_PREREQ)
	@echo "check: the vm tier runs beside the host tiers; its output follows theirs ($(O)/check-vm.log)"
	@trap '/bin/kill -s TERM -- -$$vm 2>/dev/null; wait; exit 130' INT TERM HUP; \
	setsid $(MAKE) --no-print-directory check-vm DMABUF_SUMMARY=$(SUMMARY) > $(O)/check-vm.log 2>&1 & vm=$$!; \
	st=0; \
	$(MAKE) -k check-unit check-cli check-harness check-deb DMABUF_SUMMARY=$(SUMMARY) || st=1; \
	$(MAKE) -k check-asan check-tsan DMABUF_SUMMARY=$(SUMMARY) || st=1; \
	tail -n +1 -f --pid=$$vm $(O)/check-vm.log; \
	wait $$vm || st=1; \
	cat $(SUMMARY); \
	awk '{p += $$2; f += $$4; s += $$6} END {printf "check: %d passed, %d failed, %d skipped\n", p, f, s}' $(SUMMARY); \
	exit $$st

check-unit: unit-bins
	tests/run-unit $(UNIT_BIN)

# Every JSON document the cli and VM suites get is kept (tests/json-log.bash)
# and validated against schema/ afterwards (tests/schema-check).
check-cli: dmabuf gpu-stubs
	rm -rf $(O)/json/cli && mkdir -p $(O)/json/cli
	DMABUF=$(CURDIR)/$(O)/dmabuf DMABUF_JSON_LOG=$(CURDIR)/$(O)/json/cli \
		bats --tap tests/cli | tests/tap-summary cli; st=$$?; \
	tests/schema-check $(O)/json/cli | tests/tap-summary schema-cli && exit $$st

# The test harness's own tests: the VM console check and check-tier's
# scheduling and counting, on recorded consoles and a stand-in for
# tests/vm/run; nothing boots, no dmabuf runs, so once (not under ASan).
check-harness:
	bats --tap tests/harness | tests/tap-summary harness

# debian/: build the packages from a copy of the tree, lintian, and use
# what they hold (tests/deb/package.bats).
check-deb:
	bats --tap tests/deb | tests/tap-summary deb

check-asan: asan gpu-stubs
	UNIT_TIER=unit-asan tests/run-unit $(patsubst $(O)/%,build-asan/%,$(UNIT_BIN))
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		DMABUF=$(CURDIR)/build-asan/dmabuf bats --tap tests/cli | tests/tap-summary cli-asan

# bench's jobs and the progress watcher under ThreadSanitizer: a data race
# is exit 66 and its report (tests/cli/threads.bats).
check-tsan: tsan
	TSAN_OPTIONS=halt_on_error=1 DMABUF=$(CURDIR)/build-tsan/dmabuf \
		bats --tap tests/cli/threads.bats | tests/tap-summary cli-tsan

# An installed copy (PREFIX=/usr) for the VM suites that run as a user would.
install-root: all
	rm -rf $(O)/install-root
	$(MAKE) -s install DESTDIR=$(CURDIR)/$(O)/install-root PREFIX=/usr

# What the VM suites use, whichever kernel they boot: the CLI, the uAPI
# tests, the unit binaries kernel.bats runs in the guest, the GPU stand-ins
# and an installed copy (commands.bats runs it as a user would).
VM_PREREQ := dmabuf ktests unit-bins gpu-stubs install-root

check-vm: $(VM_PREREQ)
	rm -rf $(O)/json/vm && mkdir -p $(O)/json/vm
	DMABUF_JSON_LOG=$(CURDIR)/$(O)/json/vm tests/vm/check-tier; st=$$?; \
	tests/schema-check $(O)/json/vm | tests/tap-summary schema-vm && exit $$st

# The VM suites on the debug kernel (KASAN, lockdep, DMA-API debugging): any
# kernel report fails the run.  Over an hour under TCG: not part of check.
check-vm-debug: $(VM_PREREQ)
	tests/vm/check-tier --debug

# The kernel and token suites (tests/vm/kernel.bats, token.bats, and the
# IOMMU suite) on the debug kernel: the series under KASAN, lockdep,
# DEBUG_ATOMIC_SLEEP and DMA-API debugging; any kernel report fails the run.
check-kernel-debug: $(VM_PREREQ)
	tests/vm/check-tier --suites "tests/vm/kernel.bats tests/vm/token.bats" --debug

demo: deps
	$(MAKE) all
	tests/vm/run -- tests/vm/demo

# IOPS of the token, pages and bounce paths next to fio, one VM boot per
# IOMMU mode (off, lazy, strict), and a file loaded into a dma-buf every
# way 6.12 allows; about 35 minutes under TCG on 2 cores.
# Writes build/bench/bench.md and bench.json (tests/bench/README.md).
bench: deps
	$(MAKE) all $(O)/tests/bench/file-load
	tests/bench/run

deps:
	@tests/install-deps

# --- install -----------------------------------------------------------------
install: all $(O)/dmabuf.install
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/dmabuf \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) \
		$(DESTDIR)$(DATADIR)/schema $(DESTDIR)$(DATADIR)/bats $(DESTDIR)$(DATADIR)/examples
	install -m 755 $(O)/dmabuf.install $(DESTDIR)$(BINDIR)/dmabuf
	install -m 644 $(SO_REAL) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(SO_REAL)) $(DESTDIR)$(LIBDIR)/libdmabuf.so.$(SO_MAJOR)
	ln -sf libdmabuf.so.$(SO_MAJOR) $(DESTDIR)$(LIBDIR)/libdmabuf.so
	install -m 644 include/dmabuf/dmabuf.h $(DESTDIR)$(INCLUDEDIR)/dmabuf/
	@# paths below the prefix are written as ${prefix}/…, as pkg-config files do
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
		-e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
		-e 's|@VERSION@|$(SO_VERSION)|' lib/dmabuf.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/dmabuf.pc
	install -m 644 examples/*.c examples/Makefile $(DESTDIR)$(DATADIR)/examples/
	install -m 644 $(filter %.1,$(MAN_OUT)) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(filter %.3,$(MAN_OUT)) $(DESTDIR)$(MANDIR)/man3/
	@# a man3 page names several functions: each other name gets a .so page
	for p in $(filter %.3.scd,$(MAN_SRC)); do page=$$(basename $$p .3.scd); \
		for f in $$(tests/man3-names $$p); do [ $$f = $$page ] || \
			echo ".so man3/$$page.3" > $(DESTDIR)$(MANDIR)/man3/$$f.3; done; done
	install -m 644 $(filter %.7,$(MAN_OUT)) $(DESTDIR)$(MANDIR)/man7/
	install -m 644 schema/*.json $(DESTDIR)$(DATADIR)/schema/
	install -m 644 share/bats/dmabuf.bash share/bats/example.bats $(DESTDIR)$(DATADIR)/bats/
	install -m 644 completions/dmabuf.bash $(DESTDIR)$(BASHCOMPDIR)/dmabuf
	install -m 644 completions/_dmabuf $(DESTDIR)$(ZSHCOMPDIR)/_dmabuf
	install -m 644 completions/dmabuf.fish $(DESTDIR)$(FISHCOMPDIR)/dmabuf.fish

clean:
	rm -rf build build-asan build-tsan build-fuzz dmabuf

help:
	@echo "make            build ./dmabuf and the man pages"
	@echo "make check      install test deps, run unit, cli, harness, asan, tsan and vm tiers"
	@echo "make check-vm-debug  the VM suites on the KASAN/lockdep kernel"
	@echo "make check-kernel-debug  the kernel and token suites on the KASAN/lockdep kernel"
	@echo "make demo       boot the VM and run dmabuf verify on every source x engine"
	@echo "make bench      IOPS of token/pages/bounce next to fio, IOMMU off/lazy/strict; file -> dma-buf loading (build/bench/)"
	@echo "make asan       sanitizer build in build-asan/"
	@echo "make tsan       ThreadSanitizer build in build-tsan/ (check-tsan runs it)"
	@echo "make fuzz       libFuzzer on the parsers for FUZZ_SECS=$(FUZZ_SECS) seconds"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR="

.PHONY: FORCE all dmabuf man ktests gpu-stubs examples install-root asan tsan fuzz unit-bins check check-unit check-cli check-harness check-deb check-asan check-tsan check-vm check-vm-debug check-kernel-debug demo bench deps install clean help
-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d)
