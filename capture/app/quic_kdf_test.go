package app

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

// The allocation-free HMAC and HKDF-Expand-Label agree with crypto/hmac and crypto/hkdf for
// every key and message length they accept.
func TestKDFAgainstStdlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for klen := 0; klen <= 64; klen++ {
		for _, mlen := range []int{0, 1, 8, 20, 31, 55, 56, 63, 64} {
			key, msg := make([]byte, klen), make([]byte, mlen)
			for i := range key {
				key[i] = byte(rng.Uint32())
			}
			for i := range msg {
				msg[i] = byte(rng.Uint32())
			}
			m := hmac.New(sha256.New, key)
			m.Write(msg)
			if got, want := hmacSHA256(key, msg), m.Sum(nil); !bytes.Equal(got[:], want) {
				t.Fatalf("hmac key %d msg %d bytes: %x, want %x", klen, mlen, got, want)
			}
		}
	}
	for _, label := range []string{"", "client in", "server in", "quic key", "quic iv", "quic hp", "quic ku"} {
		for _, n := range []int{1, 12, 16, 32} {
			secret := make([]byte, 32)
			for i := range secret {
				secret[i] = byte(rng.Uint32())
			}
			full := "tls13 " + label
			info := binary.BigEndian.AppendUint16(nil, uint16(n))
			info = append(info, byte(len(full)))
			info = append(append(info, full...), 0)
			want, err := hkdf.Expand(sha256.New, secret, string(info), n)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := expandLabel(secret, label, n); !bytes.Equal(got, want) {
				t.Fatalf("expand %q to %d: %x, want %x", label, n, got, want)
			}
		}
	}
	if _, err := NewQUICKeys(make([]byte, 21)); err == nil {
		t.Fatal("a 21-byte connection id was accepted")
	}
}

// BenchmarkQUICInitial derives a connection's keys and opens its two Initials.
func BenchmarkQUICInitial(b *testing.B) {
	hello := synth.ClientHello(synth.Hello{SNI: "api.astrill.com", ALPN: []string{"h3"}, QUIC: true, PadTo: 1500})
	pkts := synth.QUICInitials([]byte{1, 2, 3, 4, 5, 6, 7, 8}, hello, true)
	b.ReportAllocs()
	for b.Loop() {
		var a QUICAssembler
		for _, p := range pkts {
			if _, err := a.Add(p); err != nil && err != ErrNeedMore {
				b.Fatal(err)
			}
		}
	}
}
