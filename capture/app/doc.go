// Package app inspects the first payload bytes of each direction of a flow and extracts
// application metadata (TLS ClientHello/ServerHello/certificate with JA3, JA3S and JA4; QUIC
// v1 Initial decryption; DNS; HTTP/1.x requests; SSH banners and HASSH; RDP cookies; VNC
// banners) and identifies remote-access tools and VPN protocols from ports, names and payload
// fingerprints. Parsers are pure functions over byte slices and never panic; the per-flow
// State bounds what it buffers.
package app
