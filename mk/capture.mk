# Packet capture checks.
#   make verify-pcap    cross-check decoding against tshark on the generated captures (needs tshark)
#   make verify-live    live AF_PACKET test in network namespaces with a veth pair, and a loss run
#                       with tcpreplay at rising rates (needs root, iproute2, tcpreplay, tcpdump)
#   make bench-capture  the ≥ 1 GB comparison against softflowd, nfpcapd, argus and tshark
#                       (not part of make test; see bench/capture/README.md)

TEST_TARGETS += verify-pcap verify-live

.PHONY: verify-pcap verify-live bench-capture

verify-pcap:
	$(GO) run ./capture/internal/tsharkcheck

verify-live:
	BORDERWATCH_LIVE_TEST=1 $(GO) test -count=1 -run 'TestLive' -v ./capture/ ./capture/afpacket/

bench-capture:
	./bench/capture/run.sh
