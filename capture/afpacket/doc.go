// Package afpacket opens Linux AF_PACKET sockets with a TPACKET_V3 memory-mapped ring in pure
// Go (CGO_ENABLED=0 builds work), reads the ring a block at a time in batches of frames,
// waits for the kernel in the runtime's network poller, joins sockets to a fanout group by
// flow hash, attaches classic BPF filters and reports the kernel's packet and drop counters.
package afpacket
