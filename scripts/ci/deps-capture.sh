#!/usr/bin/env bash
# Installs what the capture checks need: tshark (the independent decoder of make verify-pcap),
# iproute2, tcpdump (compiles --bpf filters) and tcpreplay for the live namespace test.
# Idempotent; run as root on Debian.
set -euo pipefail
need=()
command -v tshark >/dev/null 2>&1 || need+=(tshark)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
command -v tcpreplay >/dev/null 2>&1 || need+=(tcpreplay)
if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${need[@]}"
