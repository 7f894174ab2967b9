#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 packages gbench builds, runs and
# tests with, when any is missing. Quiet and quick when all are present.
#
#   build:    gcc make pkg-config libcsv-dev libinih-dev libjansson-dev libpapi-dev
#             libpfm4-dev libvulkan-dev libsqlite3-dev (the history store)
#             zlib1g-dev (HdrHistogram's compressed encoding: hist/*.hlog)
#             valgrind (valgrind/callgrind.h; the
#             simulated counters at run time too), glslc (optional: without
#             it the build has no shaders and says so)
#   run:      mesa-vulkan-drivers (lavapipe: Vulkan on the CPU when there is
#             no GPU), gnuplot-nox (charts)
#   test:     vulkan-validationlayers spirv-tools (validation layer, spirv-val),
#             clang libclang-rt-14-dev (the libFuzzer harnesses of tests/fuzz/,
#             the clang half of make check-build),
#             libopenblas-dev python3-numpy (real programs for gbench record),
#             sqlite3 (PRAGMA integrity_check on a history store after a kill),
#             libbenchmark-tools python3-scipy (Google Benchmark's compare.py
#             reads what gbench export --format gbench-json writes;
#             python3-prometheus-client parses its --format openmetrics;
#             libhdrhistogram-java default-jre-headless: HdrHistogram's
#             HistogramLogProcessor reads its --format hlog),
#             munge slurmctld slurmd slurm-client (a single-node Slurm cluster
#             the merge test starts itself: scripts/slurm/local-cluster.sh;
#             about 30 s to install, their own services are not used)
#
# Plain `make` installs nothing: scripts/check-deps.sh, which knows the build
# set above (glslc aside), stops it in one line naming what is missing.
set -eu

pkgs="gcc make pkg-config libcsv-dev libinih-dev libjansson-dev libpapi-dev libpfm4-dev
      libvulkan-dev glslc mesa-vulkan-drivers vulkan-validationlayers spirv-tools
      gnuplot-nox valgrind clang libclang-rt-14-dev libopenblas-dev python3-numpy
      libsqlite3-dev zlib1g-dev sqlite3 munge slurmctld slurmd slurm-client
      libbenchmark-tools python3-scipy python3-prometheus-client
      libhdrhistogram-java default-jre-headless"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo > /dev/null || { echo "install-deps: need root (or sudo) to install:$missing" >&2; exit 4; }
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing > /dev/null
