# bash completion for dmabuf(1)                               -*- shell-script -*-
#
# Installed as share/bash-completion/completions/dmabuf; can also be sourced
# directly.  Works without the bash-completion package.
#
# Long options are completed (short ones are accepted by dmabuf but not
# offered).  "--opt value", "--opt=value" and values containing ':'
# (heap:NAME, pid:PID:FD, file:PATH) are handled whatever COMP_WORDBREAKS
# holds.  _DMABUF_COMP_DEV overrides /dev (used by the tests).

_dmabuf_commands="check alloc register read write verify invalidate bench help"
_dmabuf_global_opts="--json --verbose --version --help --usage"
# The global options a command takes after it too (dmabuf check --json).
_dmabuf_global_after="--json --verbose"

# Options of each command.  Options taking a value are listed in
# _dmabuf_value_opts as well.
_dmabuf_shared_opts="--mem --size --path --engine --lba --blocks --offset --length --bs --qd --name"
_dmabuf_cmd_opts() {
    case $1 in
        check)      echo "--p2p --help --usage" ;;
        alloc)      echo "--mem --size --name --hold --hold-timeout --help --usage" ;;
        register)   echo "--mem --size --path --engine --slots --name --help --usage" ;;
        read)       echo "$_dmabuf_shared_opts --out --help --usage" ;;
        write)      echo "$_dmabuf_shared_opts --in --pad --pattern --extend --force --help --usage" ;;
        verify)     echo "$_dmabuf_shared_opts --pattern --passes --read-only --pass --scratch-lba --extend --force --help --usage" ;;
        invalidate) echo "$_dmabuf_shared_opts --cycles --during-io --time-limit --pattern --force --help --usage" ;;
        bench)      echo "$_dmabuf_shared_opts --rw --runtime --ios --ramp --seed --jobs --iopoll --sqpoll --tune --iolog --pattern --force --help --usage" ;;
    esac
}

# Does option $1 take a value?  Short and long spellings.
_dmabuf_takes_value() {
    case $1 in
        -m|--mem|-s|--size|-p|--path|-e|--engine|-l|--lba|-n|--blocks|\
        -o|--offset|-L|--length|-b|--bs|-q|--qd|-N|--name|-P|--pattern|\
        --slots|--out|--in|--passes|--pass|--scratch-lba|--cycles|--time-limit|--hold-timeout|\
        --rw|--runtime|--ios|--ramp|--seed|--jobs|--tune|--iolog) return 0 ;;
    esac
    return 1
}

# Append to the array _dmabuf_cands every word of $2 (newline separated)
# that starts with $1.
_dmabuf_add() {
    local cur=$1 w
    while IFS= read -r w; do
        if [[ -n $w && $w == "$cur"* ]]; then
            _dmabuf_cands+=("$w")
        fi
    done <<<"$2"
    return 0
}

_dmabuf_files() {                 # files and directories starting with $1
    compgen -f -- "$1"
}

_dmabuf_mem_values() {
    local dev=${_DMABUF_COMP_DEV:-/dev} f
    printf '%s\n' memfd hugetlb udmabuf udmabuf:huge heap heap: drm drm: drm:vram drm:gtt drm:dumb mover mover:nomap mover:misdirect cuda cuda: hip hip: fd: pid:
    for f in "$dev"/dma_heap/*; do
        if [[ -e $f ]]; then printf 'heap:%s\n' "${f##*/}"; fi
    done
    for f in "$dev"/dri/renderD*; do
        if [[ -e $f ]]; then printf 'drm:%s\n' "$f"; fi
    done
}

_dmabuf_pattern_values() {       # $1: what is typed so far
    # bench writes one buffer to many LBAs: only block-invariant patterns
    if [[ ${cmd:-} == bench ]]; then
        printf '%s\n' zero ones byte:0x
        return 0
    fi
    printf '%s\n' zero ones lba lba: random random: byte:0x file:
    if [[ $1 == file:* ]]; then
        _dmabuf_files "${1#file:}" | sed 's/^/file:/'
    fi
}

_dmabuf_tune_values() {          # $1: what is typed so far, a comma list
    local v
    if [[ $1 == *,* ]]; then
        for v in regring regfile defer; do     # those not in the list yet
            if [[ ,${1%,*}, != *,$v,* ]]; then printf '%s\n' "${1%,*},$v"; fi
        done
    else
        printf '%s\n' regring regfile defer all none
    fi
}

_dmabuf_targets() {               # $1: what is typed so far
    local dev=${_DMABUF_COMP_DEV:-/dev} f
    for f in "$dev"/nvme*n* "$dev"/ng*n*; do
        if [[ -e $f ]]; then printf '%s\n' "$f"; fi
    done
    # Files, directories and block devices; character devices only when
    # they are NVMe generic devices (not /dev/null, not /dev/nvme0).
    while IFS= read -r f; do
        if [[ -c $f && ${f##*/} != ng*n* ]]; then continue; fi
        printf '%s\n' "$f"
    done < <(_dmabuf_files "$1")
    return 0
}

# Set _dmabuf_filenames when the values of option $1 (typed: $2) are files.
_dmabuf_want_files() {
    case $1 in
        --in|--out|--iolog) _dmabuf_filenames=1 ;;
        -P|--pattern) if [[ $2 == file:* ]]; then _dmabuf_filenames=1; fi ;;
    esac
    return 0
}

# Values for option $1, given the typed value $2.
_dmabuf_values() {
    case $1 in
        -m|--mem)       _dmabuf_mem_values ;;
        -p|--path)      printf '%s\n' token pages bounce auto ;;
        -e|--engine)    printf '%s\n' rw passthru ;;
        -P|--pattern)   _dmabuf_pattern_values "$2" ;;
        --in|--iolog)   _dmabuf_files "$2" ;;
        --rw)           printf '%s\n' read write randread randwrite randrw ;;
        --tune)         _dmabuf_tune_values "$2" ;;
        --out)          echo -; _dmabuf_files "$2" ;;
        -s|--size|-b|--bs) printf '%s\n' 4k 128k 1M 64M 1G ;;
        *)              ;;          # numbers and names: nothing to offer
    esac
}

_dmabuf() {
    local -a words=() _dmabuf_cands=()
    local i w tok _dmabuf_filenames=

    # Rebuild the words as the user typed them: bash splits "--mem=heap:x"
    # into "--mem" "=" "heap" ":" "x" when '=' and ':' are word breaks.
    for ((i = 0; i <= COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if ((i > 0)) && [[ $w =~ ^[=:]+$ || ${COMP_WORDS[i-1]} =~ ^[=:]+$ ]]; then
            words[-1]+=$w
        else
            words+=("$w")
        fi
    done
    local cur=${words[-1]}
    # The part of cur that bash will replace: the current COMP_WORDS token,
    # or nothing when that token is itself a word break.
    tok=${COMP_WORDS[COMP_CWORD]}
    if [[ $tok =~ ^[=:]+$ ]]; then tok=; fi
    local keep=$(( ${#cur} - ${#tok} ))

    # Find the command and whether its target was given.
    local cmd= npos=0 expect_value=
    for ((i = 1; i < ${#words[@]} - 1; i++)); do
        w=${words[i]}
        if [[ -n $expect_value ]]; then
            expect_value=
            continue
        fi
        case $w in
            --*=*) ;;
            -*)    if [[ -n $cmd ]] && _dmabuf_takes_value "$w"; then expect_value=1; fi ;;
            *)     if [[ -z $cmd ]]; then cmd=$w; else npos=$((npos + 1)); fi ;;
        esac
    done

    local prev=
    if ((${#words[@]} > 1)); then prev=${words[-2]}; fi

    if [[ -n $cmd && $cur == --*=* ]]; then
        # --opt=value in one word
        local opt=${cur%%=*} val=${cur#*=}
        _dmabuf_want_files "$opt" "$val"
        _dmabuf_add "$cur" "$(_dmabuf_values "$opt" "$val" | sed "s|^|$opt=|")"
    elif [[ -n $cmd && -n $prev ]] && _dmabuf_takes_value "$prev"; then
        _dmabuf_want_files "$prev" "$cur"
        _dmabuf_add "$cur" "$(_dmabuf_values "$prev" "$cur")"
    elif [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            _dmabuf_add "$cur" "$(printf '%s\n' $_dmabuf_global_opts)"
        else
            _dmabuf_add "$cur" "$(printf '%s\n' $_dmabuf_commands)"
        fi
    elif [[ $cmd == help ]]; then
        if ((npos == 0)); then
            _dmabuf_add "$cur" "$(printf '%s\n' $_dmabuf_commands)"
        fi
    elif [[ $cur == -* ]]; then
        _dmabuf_add "$cur" "$(printf '%s\n' $(_dmabuf_cmd_opts "$cmd") $_dmabuf_global_after)"
    else
        case $cmd in
            check)
                _dmabuf_filenames=1
                _dmabuf_add "$cur" "$(_dmabuf_targets "$cur")" ;;
            register|read|write|verify|invalidate|bench)
                if ((npos == 0)); then
                    _dmabuf_filenames=1
                    _dmabuf_add "$cur" "$(_dmabuf_targets "$cur")"
                fi ;;
        esac
    fi

    COMPREPLY=()
    local c nospace=
    for c in "${_dmabuf_cands[@]}"; do
        if [[ $c == *[:=] || $c == *:0x ]]; then nospace=1; fi
        if [[ -n ${c:keep} ]]; then COMPREPLY+=("${c:keep}"); fi
    done
    # De-duplicate (a file may also be listed as a device).
    if ((${#COMPREPLY[@]} > 1)); then
        local -A seen=()
        local -a uniq=()
        for c in "${COMPREPLY[@]}"; do
            if [[ -n ${seen["x$c"]} ]]; then continue; fi
            seen["x$c"]=1
            uniq+=("$c")
        done
        COMPREPLY=("${uniq[@]}")
    fi
    if [[ -n $nospace ]]; then
        compopt -o nospace 2>/dev/null || true
    fi
    if [[ -n $_dmabuf_filenames ]]; then
        compopt -o filenames 2>/dev/null || true
    fi
    return 0
}

complete -F _dmabuf dmabuf
