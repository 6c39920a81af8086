#!/bin/sh
# mkinitrd.sh FILE [LINES]: a self-describing test initrd for the PV test
# kernels.  The first line is "PVTEST-INITRD <body length> <byte sum>",
# the body is LINES numbered text lines; startofday checks both through
# start_info.mod_start/mod_len.
set -eu
out=$1
lines=${2:-2000}
body=$(mktemp)
trap 'rm -f "$body"' EXIT
i=0
while [ "$i" -lt "$lines" ]; do
	printf 'pvisor test initrd line %06d\n' "$i"
	i=$((i + 1))
done >"$body"
len=$(wc -c <"$body")
sum=$(od -An -tu1 -v "$body" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { printf "%d", s % 4294967296 }')
{ printf 'PVTEST-INITRD %d %d\n' "$len" "$sum"; cat "$body"; } >"$out"
