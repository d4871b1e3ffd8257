#!/usr/bin/env bash
# STAND-IN for nvidia-smi (NOT NVIDIA's tool): prints real-format --query-gpu CSV for two scripted GPUs.
#   STANDIN_SMI_MODE=new  knows clocks_event_reasons.* (driver R535+); old: only clocks_throttle_reasons.*
#   STANDIN_SMI_LOG       file that receives each invocation's arguments
#   STANDIN_SMI_FAIL_AFTER=N  exit 9 with an NVML error after N loops (the driver going away)
#   STANDIN_SMI_REASONS="0x.. 0x.."  one GPU per mask, each reporting that clock event reasons mask
#   STANDIN_SMI_LOOPS=N       exit 0 after N loops
#   STANDIN_SMI_TEE           file that receives a copy of every CSV line printed
mode=${STANDIN_SMI_MODE:-new}
[ -n "${STANDIN_SMI_LOG:-}" ] && printf '%s\n' "$*" >> "$STANDIN_SMI_LOG"

if [ "${1:-}" = "--help-query-gpu" ]; then
    echo "List of valid properties to query for the switch \"--query-gpu\":"
    echo
    echo "\"timestamp\""
    echo "\"index\""
    if [ "$mode" = new ]; then
        echo "\"clocks_event_reasons.active\""
        echo "Bitmask of active clock event reasons."
        echo "\"clocks_throttle_reasons.active\""
        echo "Deprecated alias of clocks_event_reasons.active."
    else
        echo "\"clocks_throttle_reasons.active\""
        echo "Bitmask of active clock throttle reasons."
    fi
    exit 0
fi

query='' interval=''
while [ $# -gt 0 ]; do
    case "$1" in
        --query-gpu=*) query=${1#--query-gpu=} ;;
        -lms) interval=$2; shift ;;
    esac
    shift
done
if [ "$mode" = old ] && [[ "$query" == *clocks_event_reasons* ]]; then
    echo 'Field "clocks_event_reasons.active" is not a valid field to query.'
    exit 2
fi

value() { # FIELD GPU
    case "$1" in
        timestamp) date +"%Y/%m/%d %H:%M:%S.%3N" ;;
        index) echo "$2" ;;
        uuid) echo "GPU-0000000$2-aaaa-bbbb-cccc-dddddddddddd" ;;
        name) echo "NVIDIA H100 80GB HBM3" ;;
        pci.bus_id) echo "00000000:1$2:00.0" ;;
        utilization.gpu) echo $((90 + $2)) ;;
        utilization.memory) echo 41 ;;
        memory.used) echo 60211 ;;
        memory.total) echo 81559 ;;
        memory.free) echo 21348 ;;
        temperature.gpu) echo 66 ;;
        power.draw) if [ "$2" = 1 ]; then echo "[N/A]"; else echo "612.37"; fi ;;
        power.limit) echo "700.00" ;;
        clocks.sm) echo 1980 ;;
        clocks.mem) echo 2619 ;;
        clocks.gr) echo 1980 ;;
        clocks_event_reasons.active|clocks_throttle_reasons.active)
            if [ -n "${masks[*]:-}" ]; then echo "${masks[$2]}"
            elif [ "$2" = 1 ]; then echo 0x0000000000000024; else echo 0x0000000000000000; fi ;;
        ecc.errors.corrected.volatile.total) if [ "$2" = 1 ]; then echo "[Not Supported]"; else echo 3; fi ;;
        ecc.errors.uncorrected.volatile.total) if [ "$2" = 1 ]; then echo "[Not Supported]"; else echo 0; fi ;;
        pstate) echo P0 ;;
        *) echo "[N/A]" ;;
    esac
}

IFS=, read -r -a fields <<< "$query"
read -r -a masks <<< "${STANDIN_SMI_REASONS:-}"
gpus=(0 1)
[ ${#masks[@]} -gt 0 ] && gpus=($(seq 0 $((${#masks[@]} - 1))))
loops=0
while :; do
    for gpu in "${gpus[@]}"; do
        line=''
        for f in "${fields[@]}"; do line+="${line:+, }$(value "$f" "$gpu")"; done
        echo "$line"
        [ -n "${STANDIN_SMI_TEE:-}" ] && printf '%s\n' "$line" >> "$STANDIN_SMI_TEE"
    done
    loops=$((loops + 1))
    [ -n "${STANDIN_SMI_LOOPS:-}" ] && [ "$loops" -ge "$STANDIN_SMI_LOOPS" ] && exit 0
    if [ -n "${STANDIN_SMI_FAIL_AFTER:-}" ] && [ "$loops" -ge "$STANDIN_SMI_FAIL_AFTER" ]; then
        echo "Unable to determine the device handle for GPU0000:10:00.0: GPU is lost.  Reboot the system to recover this GPU" >&2
        exit 15
    fi
    [ -z "$interval" ] && exit 0
    sleep "$(awk -v ms="$interval" 'BEGIN { printf "%.3f", ms / 1000 }')"
done
