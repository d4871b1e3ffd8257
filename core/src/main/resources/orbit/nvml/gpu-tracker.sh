#!/usr/bin/env bash
# Shell GPU tracker (minimal placeholder of the nvidia-smi tracker): appends orbit.nvml_audit.v1 lines
# to AUDIT_FILE every INTERVAL_MS until SIGTERM. Without nvidia-smi it records one gpu_unavailable event
# and idles until stopped, so launch.sh can treat every host alike.
# Usage: bash gpu-tracker.sh AUDIT_FILE INTERVAL_MS
set -uo pipefail
AUDIT=$1
INTERVAL_MS=${2:-1000}
HOST=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
event() { printf '{"ts":"%s","host":"%s","event":"%s","source":"nvidia-smi"%s}\n' "$(now)" "$HOST" "$1" "${2:+,\"reason\":\"$2\"}" >>"$AUDIT"; }
SLEEP_PID=""
trap 'kill "$SLEEP_PID" 2>/dev/null; event sampler_stop; exit 0' TERM INT
nap() { sleep "$(awk -v ms="$INTERVAL_MS" 'BEGIN{printf "%.3f", ms/1000}')" & SLEEP_PID=$!; wait "$SLEEP_PID"; }
num() { [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]] && printf '%s' "$1" || printf 'null'; }

if ! command -v nvidia-smi >/dev/null 2>&1; then
  event gpu_unavailable "nvidia-smi not found on this host"
  trap 'kill "$SLEEP_PID" 2>/dev/null; exit 0' TERM INT
  while :; do nap; done
fi
event sampler_start
while :; do
  ts=$(now)
  nvidia-smi --query-gpu=index,uuid,name,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw,power.limit,pstate \
      --format=csv,noheader,nounits 2>/dev/null |
  while IFS=, read -r idx uuid name ug um mu mt temp pw pl ps; do
    printf '{"ts":"%s","host":"%s","gpu":%s,"uuid":"%s","name":"%s","util_gpu":%s,"util_mem":%s,"mem_used_mib":%s,"mem_total_mib":%s,"temp_c":%s,"power_w":%s,"power_limit_w":%s,"energy_j":null,"sm_clock_mhz":null,"mem_clock_mhz":null,"throttle_reasons":null,"throttle_reason_names":null,"ecc_corrected":null,"ecc_uncorrected":null,"pcie_tx_kbps":null,"pcie_rx_kbps":null,"pstate":"%s","procs":null,"source":"nvidia-smi"}\n' \
      "$ts" "$HOST" "$(num "${idx// /}")" "${uuid// /}" "${name# }" "$(num "${ug// /}")" "$(num "${um// /}")" "$(num "${mu// /}")" \
      "$(num "${mt// /}")" "$(num "${temp// /}")" "$(num "${pw// /}")" "$(num "${pl// /}")" "${ps// /}"
  done >>"$AUDIT" || event gpu_lost "nvidia-smi query failed"
  nap
done
