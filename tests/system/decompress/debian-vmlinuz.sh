#!/bin/sh
# timeout: 900
# Debian's real kernels (generic: xz, cloud: lz4 legacy) through the bzImage
# path of common/decompress/, compared byte for byte with xz/lz4's output.
# Fetches the packages with apt (cached); skips (77) when that is impossible.
exec /usr/bin/python3 "$PVISOR_ROOT/tests/bench/decompress-bench.py" --check
