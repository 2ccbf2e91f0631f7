// Package decode turns captured frames into the few facts a flow table needs (addresses,
// ports, transport, TCP flags, lengths, VLANs, tunnel endpoints, L4 payload) without
// allocating: a Decoder owns one preallocated Packet and overwrites it on every call.
// Tunnels (GRE, ERSPAN I/II/III, VXLAN, Geneve, IP-in-IP, 6in4) are unwrapped so that the
// inner flow is the packet; IPv4 and IPv6 fragments are reassembled in a bounded table.
package decode
