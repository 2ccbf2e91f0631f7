// Package afpacket opens Linux AF_PACKET sockets with a TPACKET_V3 memory-mapped ring (through
// gopacket's pure-Go afpacket, so CGO_ENABLED=0 builds work), joins them to a fanout group by
// flow hash, attaches classic BPF filters and reports the kernel's packet and drop counters.
package afpacket
