package flow

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
)

// ICMP types and their reply counterparts, from the Community ID v1 specification.
var (
	icmp4Pair = map[uint8]uint8{8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17}
	icmp6Pair = map[uint8]uint8{128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135,
		130: 131, 131: 130, 144: 145, 145: 144, 146: 147, 147: 146}
)

// CommunityID returns the Community ID v1 string ("1:" + base64 SHA-1) of a flow with the
// given seed. For ICMP and ICMPv6, sport and dport are the type and code of a packet sent by
// src. Protocols without ports hash the addresses and protocol only.
func CommunityID(seed uint16, src, dst netip.Addr, sport, dport uint16, proto uint8) string {
	var buf [CommunityIDLen]byte
	return string(AppendCommunityID(buf[:0], seed, src, dst, sport, dport, proto))
}

// CommunityIDLen is the length of a Community ID v1 string.
const CommunityIDLen = 2 + 28

// AppendCommunityID is CommunityID appending the string to out (CommunityIDLen bytes).
func AppendCommunityID(out []byte, seed uint16, src, dst netip.Addr, sport, dport uint16, proto uint8) []byte {
	oneWay := false
	hasPorts := true
	switch proto {
	case 1, 58:
		pairs := icmp4Pair
		if proto == 58 {
			pairs = icmp6Pair
		}
		typ := uint8(sport)
		if peer, ok := pairs[typ]; ok {
			sport, dport = uint16(typ), uint16(peer)
		} else {
			oneWay = true
			sport = uint16(typ)
		}
	case 6, 17, 132:
	default:
		hasPorts = false
	}
	if !oneWay {
		c := src.Compare(dst)
		if c > 0 || (c == 0 && sport > dport) {
			src, dst = dst, src
			sport, dport = dport, sport
		}
	}
	var buf [2 + 16 + 16 + 2 + 4]byte
	b := buf[:0]
	b = binary.BigEndian.AppendUint16(b, seed)
	if src.Is4() {
		a, z := src.As4(), dst.As4()
		b = append(b, a[:]...)
		b = append(b, z[:]...)
	} else {
		a, z := src.As16(), dst.As16()
		b = append(b, a[:]...)
		b = append(b, z[:]...)
	}
	b = append(b, proto, 0)
	if hasPorts {
		b = binary.BigEndian.AppendUint16(b, sport)
		b = binary.BigEndian.AppendUint16(b, dport)
	}
	sum := sha1.Sum(b)
	out = append(out, "1:"...)
	return base64.StdEncoding.AppendEncode(out, sum[:])
}
