# fish completion for dmabuf(1).
# Installed as share/fish/vendor_completions.d/dmabuf.fish.

set -l dmabuf_commands check alloc register read write verify invalidate bench help
set -l dmabuf_data read write verify invalidate bench
set -l dmabuf_shared register read write verify invalidate bench

function __dmabuf_mem_sources
    printf '%s\tbaseline, not a dma-buf\n' memfd hugetlb
    printf '%s\n' udmabuf\tmemfd-backed\ dma-buf udmabuf:huge\tudmabuf\ on\ huge\ pages
    printf '%s\n' heap\tdma-heap\ system heap:\tdma-heap\ by\ name drm\tfirst\ DRM\ render\ node drm:\tDRM\ render\ node\ by\ path
    printf '%s\n' mover\ttest\ exporter\ whose\ buffers\ move mover:nomap\ttest\ buffer\ the\ CPU\ cannot\ map mover:misdirect\tfault\ injection:\ device\ mapping\ misses\ the\ buffer
    printf '%s\n' drm:vram\tamdgpu\ VRAM drm:gtt\tamdgpu\ GTT drm:dumb\tDRM\ dumb\ buffer
    printf '%s\n' cuda\tCUDA\ device\ memory cuda:\tCUDA\ device\ DEV hip\tHIP\ device\ memory hip:\tHIP\ device\ DEV
    printf '%s\n' fd:\tinherited\ dma-buf\ fd:N pid:\tfrom\ a\ holder\ pid:PID:FD
    for f in /dev/dma_heap/*
        test -e $f; and printf 'heap:%s\tdma-heap %s\n' (basename $f) $f
    end
    for f in /dev/dri/renderD*
        test -e $f; and printf 'drm:%s\tDRM render node\n' $f
    end
end

function __dmabuf_patterns
    set -l tok (commandline -ct)
    string match -q -- '--pattern=*' $tok; and set tok (string replace -- '--pattern=' '' $tok)
    if string match -q -- 'file:*' $tok
        __fish_complete_path (string replace -- 'file:' '' $tok) | string replace -r '^' 'file:'
        return
    end
    printf '%s\n' zero\tevery\ byte\ 0x00 ones\tevery\ byte\ 0xff lba\tLBA-stamped\ blocks \
        lba:\tLBA\ stamps\ with\ a\ seed random\tpseudo-random,\ seed\ 0x5eed \
        random:\tpseudo-random\ from\ a\ seed \
        byte:0x\tone\ byte\ value file:\tdata\ from\ a\ file
end

# bench writes one buffer to many LBAs: only patterns every block shares.
function __dmabuf_bench_patterns
    printf '%s\n' zero\tevery\ byte\ 0x00 ones\tevery\ byte\ 0xff byte:0x\tone\ byte\ value\ \(default\ byte:0x5a\)
end

# --tune LIST: regring,regfile,defer, all or none; after a comma the rest of the list.
function __dmabuf_tune_values
    set -l tok (commandline -ct)
    string match -q -- '--tune=*' $tok; and set tok (string replace -- '--tune=' '' $tok)
    if string match -q -- '*,*' $tok
        set -l pre (string replace -r -- ',[^,]*$' '' $tok)
        for v in regring regfile defer
            contains -- $v (string split , -- $pre); or printf '%s,%s\n' $pre $v
        end
        return
    end
    printf '%s\n' regring\tregistered\ ring\ fd regfile\ttarget\ as\ fixed\ file \
        defer\tSINGLE_ISSUER\ +\ DEFER_TASKRUN all\tall\ three\ \(default\) none\tnone\ of\ them
end

function __dmabuf_targets
    for f in /dev/nvme*n* /dev/ng*n*
        test -e $f; and printf '%s\tNVMe namespace\n' $f
    end
    __fish_complete_path (commandline -ct)
end

# True when the command line has no positional word after the subcommand yet.
function __dmabuf_needs_target
    set -l words (commandline -opc)
    set -l seen_cmd 0
    set -l skip 0
    for w in $words[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case '--*=*'
            case -m --mem -s --size -p --path -e --engine -l --lba -n --blocks -o --offset -L --length \
                -b --bs -q --qd -N --name -P --pattern --slots --out --in --passes --pass --cycles --time-limit --hold-timeout \
                --rw --runtime --ios --ramp --seed --jobs --tune --iolog
                test $seen_cmd = 1; and set skip 1
            case '-*'
            case '*'
                if test $seen_cmd = 0
                    set seen_cmd 1
                else
                    return 1
                end
        end
    end
    return 0
end

complete -c dmabuf -f

# Global options (before or after the command) and commands.
complete -c dmabuf -n "not __fish_seen_subcommand_from help" -l json -d 'Print one JSON document'
complete -c dmabuf -n "not __fish_seen_subcommand_from help" -s v -l verbose -d 'Extra diagnostics'
complete -c dmabuf -n "not __fish_seen_subcommand_from $dmabuf_commands" -l version -d 'Print the version'
complete -c dmabuf -n "not __fish_seen_subcommand_from $dmabuf_commands" -s h -s '?' -l help -d 'Print help'
complete -c dmabuf -n "not __fish_seen_subcommand_from $dmabuf_commands" -l usage -d 'Print a usage line'
complete -c dmabuf -n "not __fish_seen_subcommand_from $dmabuf_commands" -a check -d 'Report what this machine supports'
complete -c dmabuf -n "__fish_seen_subcommand_from check" -l p2p -d 'Peer-to-peer report: GPUs, NVMe, PCI path, ACS, IOMMU'
complete -c dmabuf -n "not __fish_seen_subcommand_from $dmabuf_commands" -a alloc -d 'Allocate memory, optionally hold it'
complete -c dmabuf -n "not __fish_seen_subcommand_from $dmabuf_commands" -a register -d 'Register memory as fixed buffers'
complete -c dmabuf -n "not __fish_seen_subcommand_from $dmabuf_commands" -a read -d 'Read logical blocks into memory'
complete -c dmabuf -n "not __fish_seen_subcommand_from $dmabuf_commands" -a write -d 'Write logical blocks from memory'
complete -c dmabuf -n "not __fish_seen_subcommand_from $dmabuf_commands" -a verify -d 'Write, read back and compare'
complete -c dmabuf -n "not __fish_seen_subcommand_from $dmabuf_commands" -a invalidate -d 'Invalidate buffers, check data'
complete -c dmabuf -n "not __fish_seen_subcommand_from $dmabuf_commands" -a bench -d 'Measure IOPS, latency, CPU per I/O'
complete -c dmabuf -n "not __fish_seen_subcommand_from $dmabuf_commands" -a help -d 'Help for a command'
complete -c dmabuf -n "__fish_seen_subcommand_from help" -a "$dmabuf_commands"

# Per-command help.
complete -c dmabuf -n "__fish_seen_subcommand_from $dmabuf_commands; and not __fish_seen_subcommand_from help" -s h -l help -d 'Options of this command'
complete -c dmabuf -n "__fish_seen_subcommand_from $dmabuf_commands; and not __fish_seen_subcommand_from help" -l usage -d 'Usage line of this command'

# Targets.
complete -c dmabuf -n "__fish_seen_subcommand_from check" -a "(__dmabuf_targets)"
complete -c dmabuf -n "__fish_seen_subcommand_from $dmabuf_shared; and __dmabuf_needs_target" -a "(__dmabuf_targets)"

# --mem, --size, --name: every command that allocates memory.
complete -c dmabuf -n "__fish_seen_subcommand_from alloc $dmabuf_shared" -s m -l mem -x -a "(__dmabuf_mem_sources)" -d 'Memory source'
complete -c dmabuf -n "__fish_seen_subcommand_from alloc $dmabuf_shared" -s s -l size -x -d 'Bytes of memory (k/M/G/T)'
complete -c dmabuf -n "__fish_seen_subcommand_from alloc $dmabuf_shared" -s N -l name -x -d 'Name set on the dma-buf'
complete -c dmabuf -n "__fish_seen_subcommand_from alloc" -l hold -d 'Keep it in a background holder'
complete -c dmabuf -n "__fish_seen_subcommand_from alloc" -l hold-timeout -x -d 'Holder exits after SECS'

# --path, --engine: register and the data commands.
complete -c dmabuf -n "__fish_seen_subcommand_from $dmabuf_shared" -s p -l path -x \
    -a "token\t'register the dma-buf itself' pages\t'register its pages' bounce\t'copy through a buffer' auto\t'best that works'" -d 'Buffer path'
complete -c dmabuf -n "__fish_seen_subcommand_from $dmabuf_shared" -s e -l engine -x \
    -a "rw\t'READ_FIXED/WRITE_FIXED' passthru\t'NVMe uring_cmd'" -d 'I/O engine'
complete -c dmabuf -n "__fish_seen_subcommand_from register" -l slots -x -d 'Buffer slots'

# Range and queue options.
complete -c dmabuf -n "__fish_seen_subcommand_from $dmabuf_data" -s l -l lba -x -d 'First logical block'
complete -c dmabuf -n "__fish_seen_subcommand_from $dmabuf_data" -s n -l blocks -x -d 'Logical blocks'
complete -c dmabuf -n "__fish_seen_subcommand_from $dmabuf_data" -s o -l offset -x -d 'First byte'
complete -c dmabuf -n "__fish_seen_subcommand_from $dmabuf_data" -s L -l length -x -d 'Bytes'
complete -c dmabuf -n "__fish_seen_subcommand_from $dmabuf_data" -s b -l bs -x -d 'Bytes per request'
complete -c dmabuf -n "__fish_seen_subcommand_from $dmabuf_data" -s q -l qd -x -d 'Requests in flight'

# Command-specific options.
complete -c dmabuf -n "__fish_seen_subcommand_from read" -l out -r -F -a - -d 'Write the data to FILE or -'
complete -c dmabuf -n "__fish_seen_subcommand_from write" -l in -r -F -d 'Take the data from FILE'
complete -c dmabuf -n "__fish_seen_subcommand_from write" -l pad -d 'Zero-fill the range past the end of FILE'
complete -c dmabuf -n "__fish_seen_subcommand_from write verify" -l extend -d 'Let a range past the end of a regular file grow it'
complete -c dmabuf -n "__fish_seen_subcommand_from write verify invalidate" -s P -l pattern -x -a "(__dmabuf_patterns)" -d 'Data pattern'
complete -c dmabuf -n "__fish_seen_subcommand_from write verify invalidate" -s f -l force -d 'Write even to a device in use'
complete -c dmabuf -n "__fish_seen_subcommand_from verify" -l passes -x -d 'Number of passes'
complete -c dmabuf -n "__fish_seen_subcommand_from verify" -l read-only -d 'Only read back and compare'
complete -c dmabuf -n "__fish_seen_subcommand_from verify" -l pass -x -d 'With --read-only, the lba pass expected'
complete -c dmabuf -n "__fish_seen_subcommand_from verify" -l scratch-lba -x -d 'Verify without CPU access, through this scratch LBA'
complete -c dmabuf -n "__fish_seen_subcommand_from invalidate" -l cycles -x -d 'Invalidation cycles'
complete -c dmabuf -n "__fish_seen_subcommand_from invalidate" -l during-io -d 'Cycles while I/O is in flight'
complete -c dmabuf -n "__fish_seen_subcommand_from invalidate" -l time-limit -x -d 'With --during-io, give up after SECS'

# bench: the workload.
complete -c dmabuf -n "__fish_seen_subcommand_from bench" -l rw -x \
    -a "read\t'sequential reads' write\t'sequential writes' randread\t'random reads (default)' randwrite\t'random writes' randrw\t'random mix, randrw:READ%'" -d 'Workload'
complete -c dmabuf -n "__fish_seen_subcommand_from bench" -l runtime -x -d 'Seconds after the ramp (default 10)'
complete -c dmabuf -n "__fish_seen_subcommand_from bench" -l ios -x -d 'Measured requests per job'
complete -c dmabuf -n "__fish_seen_subcommand_from bench" -l ramp -x -d 'Seconds run first, not measured'
complete -c dmabuf -n "__fish_seen_subcommand_from bench" -l seed -x -d 'Seed of offsets and mix (job J: N+J)'
complete -c dmabuf -n "__fish_seen_subcommand_from bench" -l jobs -x -d 'Threads, each with its own ring'
complete -c dmabuf -n "__fish_seen_subcommand_from bench" -l iopoll -d 'Poll for completions'
complete -c dmabuf -n "__fish_seen_subcommand_from bench" -l sqpoll -d 'A kernel thread submits'
complete -c dmabuf -n "__fish_seen_subcommand_from bench" -l tune -x -a "(__dmabuf_tune_values)" -d 'io_uring modes'
complete -c dmabuf -n "__fish_seen_subcommand_from bench" -l iolog -r -F -d 'Log each request to FILE'
complete -c dmabuf -n "__fish_seen_subcommand_from bench" -s P -l pattern -x -a "(__dmabuf_bench_patterns)" -d 'Data of a write workload'
complete -c dmabuf -n "__fish_seen_subcommand_from bench" -s f -l force -d 'Allow a write workload'
