#!/usr/bin/env bash
# Rules throughput and memory: events per CPU-second through all rules (one core) with 100 000
# users of state, each rule alone, and heap per tracked user.
#   bench/rules/throughput.sh [events]
set -euo pipefail
n=${1:-1000000}
cd "$(dirname "$0")/../.."
go test -run='^$' -bench='BenchmarkEngine|BenchmarkRule' -benchtime="${n}x" -cpu=1 ./rules/
go test -run='^$' -bench=BenchmarkMemoryPerUser -benchtime=1x ./rules/
