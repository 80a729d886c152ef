#!/usr/bin/env bash
# Times `sio-tutor demo --all` as a whole process (real sockets, every lesson), release build.
# Prints every run and the median. Usage: bash benches/demo-all.sh [RUNS]   (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
cargo build --release --quiet
binary=target/release/sio-tutor
"$binary" demo --all > /dev/null   # warm the page cache once
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  "$binary" demo --all > /dev/null
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
median=${sorted[$(( runs / 2 ))]}
echo "runs (µs): ${times[*]}"
printf 'demo --all: median %d.%03d ms over %d runs (target: under 150 ms)\n' \
  $(( median / 1000 )) $(( median % 1000 )) "$runs"
