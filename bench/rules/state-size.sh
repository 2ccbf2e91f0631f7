#!/usr/bin/env bash
# Measures the rules' state file after a month of history for N users (default 10 000):
# generates a scenario, runs every rule over it with a state file, and prints the file's size
# and what each rule keeps.
#   bench/rules/state-size.sh [users] [days]
set -euo pipefail
users=${1:-10000}
days=${2:-30}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go run ./rules/scenario/gen -out "$tmp/scn" -users "$users" -hosts $((users / 50)) -days "$days"
go build -o "$tmp/borderwatch" ./cmd/borderwatch
printf 'rules:\n  state: {path: %s/state.db}\n' "$tmp" >"$tmp/cfg.yaml"
start=$(date +%s.%N)
"$tmp/borderwatch" --config "$tmp/cfg.yaml" rules test --use-state --json "$tmp/scn/scenario.ndjson.gz" >"$tmp/alerts.ndjson" 2>"$tmp/stats.txt"
end=$(date +%s.%N)
events=$(zcat "$tmp/scn/scenario.ndjson.gz" | wc -l)
echo "events: $events; alerts: $(wc -l <"$tmp/alerts.ndjson"); wall: $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}') s (end to end, with decoding)"
echo "state file after $days days of $users users: $(stat -c %s "$tmp/state.db") bytes"
"$tmp/borderwatch" --config "$tmp/cfg.yaml" state inspect
