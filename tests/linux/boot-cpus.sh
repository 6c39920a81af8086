#!/bin/bash
# boot-cpus.sh HV "CPU-MODEL[@VCPUS]..." [boot-dom0.sh options...]
# Runs tests/linux/boot-dom0.sh --hv HV once per QEMU CPU model (models
# separated by spaces; MODEL@N boots dom0 with N vCPUs), all at once (the system tests that use it hold two
# job slots), and prints each run's report in turn. The assets are made
# once before the boots start. Exit status: 0 when every boot passes, 77
# when the Debian packages cannot be fetched, 1 otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${PVISOR_BUILD:-$(cd "$here/../.." && pwd)/build}
hv=${1:?usage: boot-cpus.sh HV "CPU-MODEL..." [boot-dom0.sh options]}
cpus=${2:?usage: boot-cpus.sh HV "CPU-MODEL..." [boot-dom0.sh options]}
shift 2

"$here/boot-dom0.sh" --hv "$hv" --make-only "$@"
rc=$?
[ $rc = 0 ] || exit $rc

out=$(mktemp -d "${TMPDIR:-/tmp}/boot-cpus.XXXXXX")
trap 'rm -rf "$out"' EXIT
pids=() i=0
for spec in $cpus; do
  i=$((i + 1))
  cpu=${spec%@*} vcpus=()
  [ "$cpu" != "$spec" ] && vcpus=(--vcpus "${spec##*@}")
  name=$(printf '%s' "$spec" | tr -c 'A-Za-z0-9+-' '_')
  "$here/boot-dom0.sh" --hv "$hv" --cpu "$cpu" "${vcpus[@]}" --no-make \
    --log "$BUILD/linux/logs/$hv-$name.log" "$@" >"$out/$i" 2>&1 &
  pids+=($!)
done
fail=0 i=0
for pid in "${pids[@]}"; do
  i=$((i + 1))
  wait "$pid" || fail=1
  echo "==== boot $i of ${#pids[@]}"
  cat "$out/$i"
done
[ $fail = 0 ] && echo "boot-cpus: all ${#pids[@]} boots on $hv passed ($cpus)"
exit $fail
