package app

// cursor reads big-endian fields from a byte slice; once a read runs past the end, ok is
// false and every later read returns zero values.
type cursor struct {
	b  []byte
	ok bool
}

func newCursor(b []byte) cursor { return cursor{b: b, ok: true} }

func (c *cursor) u8() uint8 {
	if !c.ok || len(c.b) < 1 {
		c.ok = false
		return 0
	}
	v := c.b[0]
	c.b = c.b[1:]
	return v
}

func (c *cursor) u16() uint16 {
	if !c.ok || len(c.b) < 2 {
		c.ok = false
		return 0
	}
	v := uint16(c.b[0])<<8 | uint16(c.b[1])
	c.b = c.b[2:]
	return v
}

func (c *cursor) u24() int {
	if !c.ok || len(c.b) < 3 {
		c.ok = false
		return 0
	}
	v := int(c.b[0])<<16 | int(c.b[1])<<8 | int(c.b[2])
	c.b = c.b[3:]
	return v
}

func (c *cursor) u32() uint32 {
	if !c.ok || len(c.b) < 4 {
		c.ok = false
		return 0
	}
	v := uint32(c.b[0])<<24 | uint32(c.b[1])<<16 | uint32(c.b[2])<<8 | uint32(c.b[3])
	c.b = c.b[4:]
	return v
}

func (c *cursor) bytes(n int) []byte {
	if !c.ok || n < 0 || len(c.b) < n {
		c.ok = false
		return nil
	}
	v := c.b[:n:n]
	c.b = c.b[n:]
	return v
}

// sub returns a cursor over the next n bytes and advances past them.
func (c *cursor) sub(n int) cursor {
	b := c.bytes(n)
	return cursor{b: b, ok: c.ok}
}

func (c *cursor) empty() bool { return len(c.b) == 0 }
