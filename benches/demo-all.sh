#!/usr/bin/env bash
# Times `sio-tutor demo --all` as a whole process (real sockets, every lesson), release build.
# Prints every run, the median wall time and the median CPU time (user + system), against the
# goals of issue 13: a median under 40 ms, and wall time within 1.3x of CPU time (the rest is
# waiting, e.g. on a 40 ms Nagle stall). Usage: bash benches/demo-all.sh [RUNS]   (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
cargo build --release --quiet
binary=target/release/sio-tutor
"$binary" demo --all > /dev/null   # warm the page cache once
walls=() cpus=()
TIMEFORMAT='%3R %3U %3S'
for _ in $(seq "$runs"); do
  # bash's `time` reports the child's wall, user and system seconds.
  read -r real user sys < <({ time "$binary" demo --all > /dev/null; } 2>&1)
  walls+=("$(awk -v r="$real" 'BEGIN { printf "%d", r * 1000000 }')")
  cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000000 }')")
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( $# / 2 + 1 ))p"; }
wall=$(median "${walls[@]}")
cpu=$(median "${cpus[@]}")
echo "wall (µs): ${walls[*]}"
echo "cpu  (µs): ${cpus[*]}"
awk -v w="$wall" -v c="$cpu" -v n="$runs" 'BEGIN {
  printf "demo --all: median wall %.1f ms, median CPU %.1f ms over %d runs\n", w / 1000, c / 1000, n
  printf "  goal: median wall under 40 ms: %s\n", (w < 40000 ? "met" : "MISSED")
  printf "  goal: wall within 1.3x of CPU (%.2fx): %s\n", w / c, (w <= 1.3 * c ? "met" : "MISSED")
}'
