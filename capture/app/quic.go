package app

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
)

var quicV1Salt = []byte{0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a}

// maxCrypto bounds the CRYPTO stream a QUIC assembler keeps.
const maxCrypto = 16 << 10

// QUICKeys are the client Initial packet protection keys of one connection, with scratch
// space for opening packets. Not safe for concurrent use.
type QUICKeys struct {
	aead  cipher.AEAD
	iv    [12]byte
	hp    cipher.Block
	nonce [12]byte // scratch: the AEAD and block interfaces would move stack arrays to the heap
	mask  [16]byte
	hdr   []byte // scratch: the unprotected header
}

// hmacSHA256 is HMAC-SHA256 (RFC 2104) of msg under key, for keys of at most 64 bytes and
// messages of at most 64 bytes (all that QUIC Initial key derivation needs), without
// allocating.
func hmacSHA256(key, msg []byte) [sha256.Size]byte {
	var in [64 + 64]byte
	var out [64 + sha256.Size]byte
	copy(in[:64], key)
	copy(out[:64], key)
	for i := 0; i < 64; i++ {
		in[i] ^= 0x36
		out[i] ^= 0x5c
	}
	n := copy(in[64:], msg)
	inner := sha256.Sum256(in[:64+n])
	copy(out[64:], inner[:])
	return sha256.Sum256(out[:])
}

// expandLabelTo is HKDF-Expand-Label (RFC 8446 §7.1) with SHA-256 and an empty context for
// outputs of at most 32 bytes: one HMAC block, written to dst[:n].
func expandLabelTo(dst *[sha256.Size]byte, secret []byte, label string, n int) {
	var info [2 + 1 + 6 + 32 + 1 + 1]byte // length, label length, "tls13 " label, context length, counter
	binary.BigEndian.PutUint16(info[0:2], uint16(n))
	info[2] = byte(6 + len(label))
	m := 3 + copy(info[3:], "tls13 ")
	m += copy(info[m:], label)
	info[m] = 0 // empty context
	info[m+1] = 1
	t := hmacSHA256(secret, info[:m+2])
	copy(dst[:n], t[:n])
}

// expandLabel returns HKDF-Expand-Label(secret, label, "", n) for n ≤ 32.
func expandLabel(secret []byte, label string, n int) ([]byte, error) {
	if n > sha256.Size || len(label) > 32 {
		return nil, fmt.Errorf("quic: expand label %q to %d bytes: too long", label, n)
	}
	var out [sha256.Size]byte
	expandLabelTo(&out, secret, label, n)
	return out[:n], nil
}

// NewQUICKeys derives the client Initial keys (RFC 9001 §5.2) from the original destination
// connection id (at most 20 bytes, as QUICInitialDCID returns).
func NewQUICKeys(dcid []byte) (*QUICKeys, error) {
	if len(dcid) > 20 {
		return nil, fmt.Errorf("quic: destination connection id of %d bytes: %w", len(dcid), ErrMalformed)
	}
	initial := hmacSHA256(quicV1Salt, dcid) // HKDF-Extract
	var client, key, hpKey [sha256.Size]byte
	expandLabelTo(&client, initial[:], "client in", 32)
	expandLabelTo(&key, client[:], "quic key", 16)
	expandLabelTo(&hpKey, client[:], "quic hp", 16)
	k := &QUICKeys{}
	var iv [sha256.Size]byte
	expandLabelTo(&iv, client[:], "quic iv", 12)
	copy(k.iv[:], iv[:12])
	blk, err := aes.NewCipher(key[:16])
	if err != nil {
		return nil, err
	}
	if k.aead, err = cipher.NewGCM(blk); err != nil {
		return nil, err
	}
	if k.hp, err = aes.NewCipher(hpKey[:16]); err != nil {
		return nil, err
	}
	return k, nil
}

func varint(c *cursor) uint64 {
	first := c.u8()
	if !c.ok {
		return 0
	}
	n := 1 << (first >> 6)
	v := uint64(first & 0x3f)
	for i := 1; i < n; i++ {
		v = v<<8 | uint64(c.u8())
	}
	return v
}

// QUICInitialDCID returns the destination connection id if b starts with a QUIC v1 Initial
// packet, or an error.
func QUICInitialDCID(b []byte) ([]byte, error) {
	if len(b) < 7 || b[0]&0xc0 != 0xc0 || (b[0]>>4)&3 != 0 || binary.BigEndian.Uint32(b[1:5]) != 1 {
		return nil, errNotQUIC
	}
	n := int(b[5])
	if n > 20 || len(b) < 6+n {
		return nil, errNotQUIC
	}
	return b[6 : 6+n], nil
}

// OpenQUICInitial removes header protection from and decrypts the client Initial packet at the
// start of b, returning its plaintext frames.
func OpenQUICInitial(keys *QUICKeys, b []byte) ([]byte, error) {
	return keys.open(nil, b)
}

// open is OpenQUICInitial appending the plaintext to dst. b is not modified.
func (keys *QUICKeys) open(dst, b []byte) ([]byte, error) {
	if _, err := QUICInitialDCID(b); err != nil {
		return nil, err
	}
	c := newCursor(b[5:])
	c.bytes(int(c.u8())) // dcid
	c.bytes(int(c.u8())) // scid
	tl := varint(&c)
	if tl > uint64(len(b)) {
		return nil, fmt.Errorf("quic token length: %w", ErrMalformed)
	}
	c.bytes(int(tl))
	length := varint(&c)
	if !c.ok {
		return nil, fmt.Errorf("quic header: %w", ErrMalformed)
	}
	pnOff := len(b) - len(c.b)
	if length < 20 || uint64(pnOff)+length > uint64(len(b)) {
		return nil, fmt.Errorf("quic length %d: %w", length, ErrMalformed)
	}
	mask := &keys.mask
	keys.hp.Encrypt(mask[:], b[pnOff+4:pnOff+20])
	hdr := append(keys.hdr[:0], b[:pnOff+4]...)
	keys.hdr = hdr
	hdr[0] ^= mask[0] & 0x0f
	pnLen := int(hdr[0]&3) + 1
	var pn uint64
	for i := 0; i < pnLen; i++ {
		hdr[pnOff+i] ^= mask[1+i]
		pn = pn<<8 | uint64(hdr[pnOff+i])
	}
	hdr = hdr[:pnOff+pnLen]
	nonce := &keys.nonce
	*nonce = keys.iv
	for i := 0; i < 8; i++ {
		nonce[len(nonce)-1-i] ^= byte(pn >> (8 * i))
	}
	ct := b[pnOff+pnLen : pnOff+int(length)]
	pt, err := keys.aead.Open(dst, nonce[:], ct, hdr)
	if err != nil {
		return nil, fmt.Errorf("quic initial: %w", err)
	}
	return pt, nil
}

// cryptoStream reassembles CRYPTO frame data by offset, bounded by maxCrypto.
type cryptoStream struct {
	buf    []byte
	pieces []piece
}

type piece struct{ off, len int }

// addFrames walks the frames of a decrypted Initial packet and stores CRYPTO data.
func (s *cryptoStream) addFrames(pt []byte) error {
	c := newCursor(pt)
	for c.ok && !c.empty() {
		typ := varint(&c)
		switch {
		case typ == 0x00: // PADDING, usually hundreds of zero bytes in a row: skipped at once
			n := 0
			for n < len(c.b) && c.b[n] == 0 {
				n++
			}
			c.b = c.b[n:]
		case typ == 0x01: // PING
		case typ == 0x02 || typ == 0x03: // ACK
			varint(&c)
			varint(&c)
			n := varint(&c)
			varint(&c)
			for i := uint64(0); i < n && c.ok; i++ {
				varint(&c)
				varint(&c)
			}
			if typ == 0x03 {
				varint(&c)
				varint(&c)
				varint(&c)
			}
		case typ == 0x06: // CRYPTO
			off := varint(&c)
			n := varint(&c)
			data := c.bytes(int(min(n, uint64(len(pt)))))
			if !c.ok || n != uint64(len(data)) {
				return fmt.Errorf("quic crypto frame: %w", ErrMalformed)
			}
			if off+n > maxCrypto {
				continue
			}
			end := int(off) + len(data)
			if len(s.buf) < end {
				s.buf = append(s.buf, make([]byte, end-len(s.buf))...)
			}
			copy(s.buf[off:], data)
			s.pieces = append(s.pieces, piece{int(off), len(data)})
		case typ == 0x1c || typ == 0x1d: // CONNECTION_CLOSE
			return nil
		default:
			return fmt.Errorf("quic frame type %#x in initial: %w", typ, ErrMalformed)
		}
	}
	if !c.ok {
		return fmt.Errorf("quic frames: %w", ErrMalformed)
	}
	return nil
}

// contiguous returns the bytes available from offset 0 without a gap.
func (s *cryptoStream) contiguous() []byte {
	slices.SortFunc(s.pieces, func(a, b piece) int { return a.off - b.off })
	end := 0
	for _, p := range s.pieces {
		if p.off > end {
			break
		}
		end = max(end, p.off+p.len)
	}
	return s.buf[:end]
}

// QUICClientHello decrypts the given client Initial packets (in arrival order) and parses the
// ClientHello carried in their CRYPTO frames. It returns ErrNeedMore when the ClientHello
// continues in packets not given.
func QUICClientHello(packets ...[]byte) (*ClientHello, error) {
	var a QUICAssembler
	var ch *ClientHello
	var err error
	for _, p := range packets {
		ch, err = a.Add(p)
		if err != ErrNeedMore {
			return ch, err
		}
	}
	return ch, err
}

// QUICAssembler collects the client Initial packets of one connection until its ClientHello
// is complete. The zero value is ready to use; not safe for concurrent use.
type QUICAssembler struct {
	keys    *QUICKeys
	stream  cryptoStream
	packets int
	pt      []byte // scratch: the last packet's plaintext
}

// Add takes one UDP payload from the client.
func (a *QUICAssembler) Add(b []byte) (*ClientHello, error) {
	ch := &ClientHello{}
	if err := a.add(b, ch, nil, nil); err != nil {
		return nil, err
	}
	return ch, nil
}

// add is Add parsing the ClientHello into ch (whose arrays it reuses), names through names.
func (a *QUICAssembler) add(b []byte, ch *ClientHello, names *nameMemo, st *Stats) error {
	a.packets++
	if a.packets > 8 {
		return fmt.Errorf("quic: no complete client hello in 8 packets: %w", ErrMalformed)
	}
	dcid, err := QUICInitialDCID(b)
	if err != nil {
		return err
	}
	if a.keys == nil {
		if a.keys, err = NewQUICKeys(dcid); err != nil {
			return err
		}
	}
	pt, err := a.keys.open(a.pt[:0], b)
	if err != nil {
		return err
	}
	a.pt = pt
	if err := a.stream.addFrames(pt); err != nil {
		return err
	}
	body, err := handshakeMessage(a.stream.contiguous(), 1)
	if err != nil {
		return err
	}
	return parseClientHello(ch, body, names, st)
}
