#!/bin/bash
# boot-linux.sh: time for Debian's stock kernel to boot as PV dom0, on
# pvisor and on Debian's Xen 4.17, under the same QEMU command line.
#
# Each run boots the minimal initramfs (/init prints its marker and powers
# off) with tests/linux/boot-dom0.sh --mode min and takes host wall time
# since QEMU started at three points: the first kernel line (what the
# hypervisor spends building dom0, including decompressing the kernel),
# dom0's /init marker and dom0's "reboot: Power down". Runs alternate
# between the hypervisors so host load hits both alike. Prints median, min
# and max per figure and the ratio pvisor/Xen of the medians.
#
# Environment:
#   PVISOR_BENCH_RUNS=3     boots per hypervisor and CPU model
#   PVISOR_BENCH_CPUS="qemu64,+smep,+rdrand max,-smap,-pku,-la57"
#                           QEMU CPU models, space-separated (RDRAND: see
#                           the xen-stack reference README on entropy)
#   PVISOR_BENCH_MEM=2048   QEMU -m (MiB)
#   PVISOR_BENCH_PVISOR_ARGS  extra tests/linux/boot-dom0.sh options for the
#                           pvisor boots (e.g. --allow-hv-warnings, --hv-image F)
#   PVISOR_BUILD            build directory (default build/)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PVISOR_BUILD=${PVISOR_BUILD:-$ROOT/build}
BOOT=$ROOT/tests/linux/boot-dom0.sh
runs=${PVISOR_BENCH_RUNS:-3}
cpus=${PVISOR_BENCH_CPUS:-"qemu64,+smep,+rdrand max,-smap,-pku,-la57"}
mem=${PVISOR_BENCH_MEM:-2048}
case $runs in ''|*[!0-9]*|0) echo "boot-linux: PVISOR_BENCH_RUNS must be a positive number" >&2; exit 2 ;; esac

hvs=(pvisor xen)
pvisor_note=

# hv_args HV -> the extra boot-dom0.sh options for HV, one per line
read -r -a pvisor_args <<<"${PVISOR_BENCH_PVISOR_ARGS:-}"
hv_args() { [ "$1" = pvisor ] && [ ${#pvisor_args[@]} -gt 0 ] && printf '%s\n' "${pvisor_args[@]}"; }
for hv in "${hvs[@]}"; do
  mapfile -t extra < <(hv_args "$hv")
  "$BOOT" --hv "$hv" --make-only "${extra[@]}" || { rc=$?; echo "boot-linux: cannot prepare the $hv boot (exit $rc)" >&2; exit $rc; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/boot-linux.XXXXXX")
trap 'rm -rf "$work"' EXIT
logs=$PVISOR_BUILD/linux/logs/bench
mkdir -p "$logs"
echo "boot-linux: dom0 $(cat "$PVISOR_BUILD/linux/vmlinuz-amd64.version"), Xen $(cut -d' ' -f2 "$PVISOR_BUILD/xen/xen.version")"
echo "boot-linux: min initramfs, $runs runs per hypervisor and CPU model, QEMU TCG -smp 1 -m $mem, dom0_mem=512M; logs in $logs/"
echo "boot-linux: host $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) (other QEMU jobs skew the figures)"

failed=0
for cpu in $cpus; do
  cname=$(printf '%s' "$cpu" | tr -c 'A-Za-z0-9+-' '_')
  for i in $(seq "$runs"); do
    for hv in "${hvs[@]}"; do
      mapfile -t extra < <(hv_args "$hv")
      out=$("$BOOT" --hv "$hv" --cpu "$cpu" --mem "$mem" --mode min --no-make --timeout 120 \
              --log "$logs/$hv-$cname-$i.log" "${extra[@]}" 2>&1)
      line=$(printf '%s\n' "$out" | grep '^BOOT-FIGURES ')
      if printf '%s\n' "$out" | grep -q '^boot-dom0: PASS'; then
        printf '%s\n' "$line" >>"$work/$hv-$cname"
        echo "  run $i $hv -cpu $cpu: ${line#BOOT-FIGURES }"
      else
        failed=$((failed + 1))
        echo "  run $i $hv -cpu $cpu: FAILED ($(printf '%s\n' "$out" | grep '^boot-dom0: FAIL' | cut -c1-200)); log $logs/$hv-$cname-$i.log"
      fi
    done
  done
done

# stats FILE KEY -> "median min max n" of KEY=value over the lines of FILE
stats() {
  [ -s "$1" ] || { echo "n/a"; return; }
  tr ' ' '\n' <"$1" | sed -n "s/^$2=\([0-9.]*\)\$/\1/p" | sort -n |
    awk '{v[NR] = $1} END { if (NR == 0) { print "n/a"; exit }
         m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
         printf "%.3f %.3f %.3f %d\n", m, v[1], v[NR], NR }'
}
echo
echo "boot-linux: host seconds since QEMU start (median, min-max over the runs that passed)"
printf '%-26s %-7s %-22s %-22s %-22s\n' "cpu" "hv" "first kernel line" "dom0 /init" "dom0 power-off"
for cpu in $cpus; do
  cname=$(printf '%s' "$cpu" | tr -c 'A-Za-z0-9+-' '_')
  declare -A med=()
  for hv in pvisor xen; do
    row=()
    for key in kernel init poweroff; do
      s=$(stats "$work/$hv-$cname" "$key")
      if [ "$s" = n/a ]; then
        row+=("n/a")
      else
        set -- $s
        med[$hv-$key]=$1
        row+=("$(printf '%.2f (%.2f-%.2f)' "$1" "$2" "$3")")
      fi
    done
    if [ "$hv" = pvisor ] && [ -n "$pvisor_note" ]; then
      printf '%-26s %-7s %s\n' "$cpu" "pvisor:" "n/a ($pvisor_note)"
    else
      printf '%-26s %-7s %-22s %-22s %-22s\n' "$cpu" "$hv" "${row[@]}"
    fi
  done
  ratio=()
  for key in kernel init poweroff; do
    if [ -n "${med[pvisor-$key]:-}" ] && [ -n "${med[xen-$key]:-}" ]; then
      ratio+=("$(awk -v a="${med[pvisor-$key]}" -v b="${med[xen-$key]}" 'BEGIN { printf "%.2f", a / b }')")
    else
      ratio+=("n/a")
    fi
  done
  printf '%-26s %-7s %-22s %-22s %-22s\n' "$cpu" "ratio" "${ratio[@]}"
  echo "boot_linux_ratio_init cpu=$cpu pvisor/xen=${ratio[1]} (target <= 0.50)"
  unset med
done
if [ $failed -gt 0 ]; then
  echo "boot-linux: $failed boot(s) failed; see the logs above"
  exit 1
fi
