#!/usr/bin/env bats
# Shell completions and man pages: the bash completion answers what a user
# pressing TAB expects, the zsh and fish scripts parse, every man page builds,
# and the command list of doc/cli.md is covered everywhere.

bats_require_minimum_version 1.5.0

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"

setup() {
    # A fake /dev with two dma-heaps, a render node and NVMe namespaces, so
    # the answers do not depend on this machine.
    FAKEDEV="$BATS_TEST_TMPDIR/dev"
    mkdir -p "$FAKEDEV/dma_heap" "$FAKEDEV/dri"
    touch "$FAKEDEV/dma_heap/system" "$FAKEDEV/dma_heap/reserved" \
          "$FAKEDEV/dri/renderD128" "$FAKEDEV/dri/card0" \
          "$FAKEDEV/nvme0n1" "$FAKEDEV/ng0n1"
    export _DMABUF_COMP_DEV="$FAKEDEV"
    source "$ROOT/completions/dmabuf.bash"
}

# complete WORD... : the words of the command line, the last one being the
# word under the cursor; leaves the answer, space separated, in $reply.
complete_line() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _dmabuf
    reply="${COMPREPLY[*]}"
}

# The command list of doc/cli.md ("Commands: check, alloc, ..., help.").
cli_commands() {
    sed -n 's/^Commands: *//p' "$ROOT/doc/cli.md" | tr -d '.' | tr ',' ' '
}

@test "bash: dmabuf TAB offers every command" {
    complete_line dmabuf ""
    assert_equal "$reply" "check alloc register read write verify invalidate bench help"
}

@test "bash: a command prefix completes to the matching commands" {
    complete_line dmabuf re
    assert_equal "$reply" "register read"
    complete_line dmabuf inv
    assert_equal "$reply" "invalidate"
}

@test "bash: global options are offered before the command, and the command after them" {
    complete_line dmabuf --
    assert_equal "$reply" "--json --verbose --version --help --usage"
    complete_line dmabuf --json -v ver
    assert_equal "$reply" "verify"
}

@test "bash: the global --json and --verbose are offered after the command too" {
    complete_line dmabuf check --
    assert_equal "$reply" "--p2p --help --usage --json --verbose"
    complete_line dmabuf read /dev/nvme0n1 --mem memfd --j
    assert_equal "$reply" "--json"
    complete_line dmabuf bench /dev/nvme0n1 --json --v
    assert_equal "$reply" "--verbose"
    # not after help, which takes a command name
    complete_line dmabuf help --
    assert_equal "$reply" ""
}

@test "bash: read offers its options and no write-only ones" {
    complete_line dmabuf read /dev/nvme0n1 --
    assert_equal "$reply" "--mem --size --path --engine --lba --blocks --offset --length --bs --qd --name --out --help --usage --json --verbose"
    refute_regex "$reply" '(--force|--pattern|--in )'
}

@test "bash: option prefixes narrow to the matching options of the command" {
    complete_line dmabuf verify /dev/nvme0n1 --p
    assert_equal "$reply" "--path --pattern --passes --pass"
    complete_line dmabuf invalidate /dev/nvme0n1 --d
    assert_equal "$reply" "--during-io"
    complete_line dmabuf alloc --h
    assert_equal "$reply" "--hold --hold-timeout --help"
}

@test "bash: --path completes token, pages, bounce and auto" {
    complete_line dmabuf read /dev/nvme0n1 --path ""
    assert_equal "$reply" "token pages bounce auto"
    complete_line dmabuf register /dev/nvme0n1 -p b
    assert_equal "$reply" "bounce"
}

@test "bash: --path= in one word completes with the option kept" {
    complete_line dmabuf read /dev/nvme0n1 --path=t
    assert_equal "$reply" "--path=token"
}

@test "bash: --path= split at '=' by bash completes the bare values" {
    complete_line dmabuf read /dev/nvme0n1 --path = ""
    assert_equal "$reply" "token pages bounce auto"
    complete_line dmabuf read /dev/nvme0n1 --path =
    assert_equal "$reply" "token pages bounce auto"
}

@test "bash: --engine completes rw and passthru" {
    complete_line dmabuf verify /dev/ng0n1 --engine ""
    assert_equal "$reply" "rw passthru"
    complete_line dmabuf verify /dev/ng0n1 -e p
    assert_equal "$reply" "passthru"
}

@test "bash: --mem completes every source form, the heaps and the render nodes" {
    complete_line dmabuf read /dev/nvme0n1 --mem ""
    assert_equal "$reply" "memfd hugetlb udmabuf udmabuf:huge heap heap: drm drm: drm:vram drm:gtt drm:dumb mover mover:nomap mover:misdirect cuda cuda: hip hip: fd: pid: heap:reserved heap:system drm:$FAKEDEV/dri/renderD128"
}

@test "bash: --mem heap: lists the heaps of /dev/dma_heap" {
    complete_line dmabuf read /dev/nvme0n1 --mem heap:
    assert_equal "$reply" "heap: heap:reserved heap:system"
    # as bash splits it when ':' is a word break: only the part after ':'
    complete_line dmabuf read /dev/nvme0n1 --mem heap : s
    assert_equal "$reply" "system"
}

@test "bash: --mem drm: lists the placements and the render nodes" {
    complete_line dmabuf write /dev/nvme0n1 --mem drm:
    assert_equal "$reply" "drm: drm:vram drm:gtt drm:dumb drm:$FAKEDEV/dri/renderD128"
}

@test "bash: --mem u completes the udmabuf forms" {
    complete_line dmabuf alloc --mem u
    assert_equal "$reply" "udmabuf udmabuf:huge"
}

@test "bash: --pattern completes the pattern forms, and files after file:" {
    complete_line dmabuf write /dev/nvme0n1 --pattern ""
    assert_equal "$reply" "zero ones lba lba: random random: byte:0x file:"
    touch "$BATS_TEST_TMPDIR/golden.bin"
    complete_line dmabuf verify /dev/nvme0n1 -P "file:$BATS_TEST_TMPDIR/gold"
    assert_equal "$reply" "file:$BATS_TEST_TMPDIR/golden.bin"
}

@test "bash: TARGET completes NVMe namespaces and generic devices" {
    complete_line dmabuf read "$FAKEDEV/n"
    assert_equal "$reply" "$FAKEDEV/nvme0n1 $FAKEDEV/ng0n1"
}

@test "bash: TARGET leaves out character devices that are not NVMe generic devices" {
    [ -c /dev/null ] || skip "/dev/null is not a character device here"
    unset _DMABUF_COMP_DEV
    complete_line dmabuf read /dev/nul
    assert_equal "$reply" ""
}

@test "bash: TARGET completes regular files" {
    touch "$BATS_TEST_TMPDIR/disk.img"
    complete_line dmabuf verify --mem memfd "$BATS_TEST_TMPDIR/disk.i"
    assert_equal "$reply" "$BATS_TEST_TMPDIR/disk.img"
}

@test "bash: no second TARGET after the first, but check takes several" {
    touch "$BATS_TEST_TMPDIR/disk.img"
    complete_line dmabuf read /dev/nvme0n1 --mem memfd "$BATS_TEST_TMPDIR/disk.i"
    assert_equal "$reply" ""
    complete_line dmabuf check /dev/nvme0n1 "$BATS_TEST_TMPDIR/disk.i"
    assert_equal "$reply" "$BATS_TEST_TMPDIR/disk.img"
}

@test "bash: numeric options offer no file names" {
    complete_line dmabuf read /dev/nvme0n1 --lba ""
    assert_equal "$reply" ""
    complete_line dmabuf verify /dev/nvme0n1 --passes ""
    assert_equal "$reply" ""
}

@test "bash: help completes command names" {
    complete_line dmabuf help ""
    assert_equal "$reply" "check alloc register read write verify invalidate bench help"
}

@test "bash: bench offers the shared options, its workload options, --pattern and --force" {
    complete_line dmabuf bench /dev/nvme0n1 --
    assert_equal "$reply" "--mem --size --path --engine --lba --blocks --offset --length --bs --qd --name --rw --runtime --ios --ramp --seed --jobs --iopoll --sqpoll --tune --iolog --pattern --force --help --usage --json --verbose"
    complete_line dmabuf bench /dev/nvme0n1 --r
    assert_equal "$reply" "--rw --runtime --ramp"
}

@test "bash: bench --rw completes the five workloads" {
    complete_line dmabuf bench /dev/nvme0n1 --rw ""
    assert_equal "$reply" "read write randread randwrite randrw"
    complete_line dmabuf bench /dev/nvme0n1 --rw=randw
    assert_equal "$reply" "--rw=randwrite"
}

@test "bash: bench --tune completes the modes, and the rest of a comma list" {
    complete_line dmabuf bench /dev/nvme0n1 --tune ""
    assert_equal "$reply" "regring regfile defer all none"
    complete_line dmabuf bench /dev/nvme0n1 --tune regring,
    assert_equal "$reply" "regring,regfile regring,defer"
    complete_line dmabuf bench /dev/nvme0n1 --tune=regfile,defer,
    assert_equal "$reply" "--tune=regfile,defer,regring"
}

@test "bash: bench --pattern offers only the patterns every block shares" {
    complete_line dmabuf bench /dev/nvme0n1 --pattern ""
    assert_equal "$reply" "zero ones byte:0x"
}

@test "bash: bench takes one TARGET, after value options too, and --iolog completes files" {
    touch "$BATS_TEST_TMPDIR/disk.img"
    complete_line dmabuf bench --jobs 2 --mem memfd "$BATS_TEST_TMPDIR/disk.i"
    assert_equal "$reply" "$BATS_TEST_TMPDIR/disk.img"
    complete_line dmabuf bench "$BATS_TEST_TMPDIR/disk.img" --rw read "$BATS_TEST_TMPDIR/disk.i"
    assert_equal "$reply" ""
    complete_line dmabuf bench /dev/nvme0n1 --iolog "$BATS_TEST_TMPDIR/disk.i"
    assert_equal "$reply" "$BATS_TEST_TMPDIR/disk.img"
    complete_line dmabuf bench /dev/nvme0n1 --runtime ""
    assert_equal "$reply" ""
}

@test "bash: the completion is registered for the dmabuf command" {
    run complete -p dmabuf
    assert_success
    assert_output --partial "-F _dmabuf dmabuf"
}

@test "zsh: completions/_dmabuf parses and declares #compdef dmabuf" {
    command -v zsh >/dev/null || skip "zsh is not installed (apt-get install zsh)"
    run zsh -n "$ROOT/completions/_dmabuf"
    assert_success
    run head -n1 "$ROOT/completions/_dmabuf"
    assert_output "#compdef dmabuf"
}

@test "zsh: --pattern offers the pattern forms, random without a seed too" {
    command -v zsh >/dev/null || skip "zsh is not installed (apt-get install zsh)"
    # _describe stubbed: what _dmabuf_pattern would offer, value before ':'
    run zsh -fc "_arguments() { return 1 }; compset() { return 1 }
        _describe() { print -rl -- \${(P)4} \${(P)6} }
        source '$ROOT/completions/_dmabuf'; _dmabuf_pattern"
    assert_success
    assert_equal "$(sed 's/\\:/=/; s/:.*//; s/=$/:/; s/=/:/' <<<"$output" | tr '\n' ' ')" \
        "zero ones lba random lba: random: byte:0x file: "
}

@test "fish: completions/dmabuf.fish parses and completes the commands" {
    command -v fish >/dev/null || skip "fish is not installed (apt-get install fish)"
    run fish -n "$ROOT/completions/dmabuf.fish"
    assert_success
    run fish --no-config -c "source '$ROOT/completions/dmabuf.fish'; complete -C 'dmabuf read /dev/nvme0n1 --path '"
    assert_success
    assert_line --regexp '^token'
    assert_line --regexp '^bounce'
    run fish --no-config -c "source '$ROOT/completions/dmabuf.fish'; complete -C 'dmabuf bench /dev/nvme0n1 --rw '"
    assert_success
    assert_line --regexp '^randrw'
    run fish --no-config -c "source '$ROOT/completions/dmabuf.fish'; complete -C 'dmabuf write /dev/nvme0n1 --pattern '"
    assert_success
    assert_line --regexp '^random\s'
    assert_line --regexp '^random:\s'
    run fish --no-config -c "source '$ROOT/completions/dmabuf.fish'; complete -C 'dmabuf bench /dev/nvme0n1 --tune regring,'"
    assert_success
    assert_line --regexp '^regring,regfile'
    refute_line --regexp '^regring,regring'
    run fish --no-config -c "source '$ROOT/completions/dmabuf.fish'; complete -C 'dmabuf check --'"
    assert_success
    assert_line --regexp '^--json'
    assert_line --regexp '^--verbose'
    assert_line --regexp '^--p2p'
}

@test "man: every man/*.scd builds with scdoc without a warning" {
    command -v scdoc >/dev/null || skip "scdoc is not installed (apt-get install scdoc)"
    local f n=0
    for f in "$ROOT"/man/*.scd; do
        run --separate-stderr scdoc < "$f"
        assert_success
        [ -z "$stderr" ] || fail "$f: $stderr"
        [ -n "$output" ] || fail "$f: empty output"
        n=$((n + 1))
    done
    [ "$n" -ge 8 ] || fail "only $n man pages"
}

@test "man: every command page has NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS, EXAMPLES, SEE ALSO; section 7 NAME, DESCRIPTION, SEE ALSO" {
    local f s
    for f in "$ROOT"/man/*.1.scd; do
        for s in NAME SYNOPSIS DESCRIPTION EXIT\ STATUS EXAMPLES SEE\ ALSO; do
            grep -qx "# $s" "$f" || fail "$f: no $s section"
        done
        [[ $f == */dmabuf.1.scd ]] || grep -qx "# OPTIONS" "$f" || fail "$f: no OPTIONS section"
    done
    for f in "$ROOT"/man/*.7.scd; do
        for s in NAME DESCRIPTION SEE\ ALSO; do
            grep -qx "# $s" "$f" || fail "$f: no $s section"
        done
    done
}

@test "man: every command of doc/cli.md has a page and is known to the bash completion" {
    local cmds c
    cmds=$(cli_commands)
    [ -n "$cmds" ] || fail "no command list in doc/cli.md"
    complete_line dmabuf ""
    for c in $cmds; do
        # help is documented in dmabuf(1) itself, like git help in git(1)
        if [ "$c" = help ]; then
            grep -q '^\*help\*' "$ROOT/man/dmabuf.1.scd" || fail "help not in dmabuf(1)"
        else
            [ -f "$ROOT/man/dmabuf-$c.1.scd" ] || fail "no man/dmabuf-$c.1.scd"
            grep -q "^\*$c\*" "$ROOT/man/dmabuf.1.scd" || fail "$c not in the COMMANDS of dmabuf(1)"
        fi
        [[ " $reply " == *" $c "* ]] || fail "$c not completed by bash"
    done
    # and nothing completed or paged that cli.md does not list
    for c in $reply; do
        [[ " $cmds " == *" $c "* ]] || fail "bash completes $c, which doc/cli.md does not list"
    done
}

@test "man: the EXIT STATUS table of dmabuf(1) matches doc/cli.md" {
    # cli.md: "0 success; 1 ...; 2 ... (...); ..." in one paragraph.
    local expected actual
    expected=$(sed -n '/^## Exit status/,/^## /{/^##/d;p}' "$ROOT/doc/cli.md" | tr '\n' ' ' |
        perl -ne 's/\s+/ /g; s/^\s+|[\s.]+$//g; print join("\n", split /; (?=\d+ )/), "\n"')
    actual=$(sed -n '/^# EXIT STATUS/,/^# /p' "$ROOT/man/dmabuf.1.scd" |
        awk '/^\|  [0-9]/ { code = $2; next } code != "" && /^:  / { sub(/^:  /, ""); print code " " $0; code = "" }')
    [ "$(wc -l <<<"$expected")" -eq 8 ] || fail "cannot parse cli.md: $expected"
    assert_equal "$actual" "$expected"
}

# The long options argp knows for a command: the option lines of its --help
# (not options its prose mentions), the global --json and --verbose included.
argp_long_options() {
    "${DMABUF:-$ROOT/dmabuf}" "$1" --help | sed -nE 's/^ +(-[^ ], )?(--[a-z][a-z0-9-]*).*/\2/p' | sort -u |
        grep -v -x -e '--help' -e '--usage' -e '--version'
}

@test "bash completion and the man page know every long option each command's --help lists" {
    [ -x "${DMABUF:-$ROOT/dmabuf}" ] || skip "dmabuf is not built"
    for c in check alloc register read write verify invalidate bench; do
        complete_line dmabuf "$c" --
        page=$(scdoc < "$ROOT/man/dmabuf-$c.1.scd")
        for opt in $(argp_long_options "$c"); do
            [[ " $reply " == *" $opt "* || " $reply " == *" $opt= "* ]] ||
                fail "bash completion of '$c' lacks $opt (offers: $reply)"
            # the global options are documented once, in dmabuf(1)
            [[ $opt == --json || $opt == --verbose ]] ||
                grep -q -- "${opt//-/\\\\-}\|$opt" <<<"$page" ||
                fail "dmabuf-$c(1) does not document $opt"
        done
    done
}
