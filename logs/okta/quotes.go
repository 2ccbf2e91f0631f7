package okta

import "math/bits"

// Quote bitmaps: before a document is scanned, one pass marks every '"' in a bitmap (bit i
// of word i/64 for byte i) and notes whether the document holds any backslash. Without a
// backslash every quote closes or opens a string, so the end of a string is the next set bit:
// str costs a word load and a count of trailing zeros instead of a walk over the string. A
// document with a backslash is scanned the old way (escapes decide which quotes count).

// maxQuoteWords bounds the bitmap kept between documents (1 MiB of JSON); longer documents
// get a bitmap of their own that is not kept.
const maxQuoteWords = (1 << 20) / 64

// markQuotes fills q (len(q) == (len(d)+63)/64) with d's quote bitmap and reports whether d
// holds a backslash.
func markQuotes(d []byte, q []uint64) (backslash bool) {
	full := len(d) / 64
	var bs uint64
	if full > 0 {
		bs = markBlocks(d[:full*64], q[:full])
	}
	if rest := d[full*64:]; len(rest) > 0 {
		var w uint64
		for k, c := range rest {
			switch c {
			case '"':
				w |= 1 << k
			case '\\':
				bs = 1
			}
		}
		q[full] = w
	}
	return bs != 0
}

// markBlocksGeneric is markBlocks in plain Go: for each 64-byte block of d (len(d) a
// multiple of 64) the quote bitmap goes to q; the result is non-zero when a backslash was
// seen.
func markBlocksGeneric(d []byte, q []uint64) (bs uint64) {
	for w := range q {
		blk := d[w*64 : w*64+64]
		var m uint64
		for k, c := range blk {
			if c == '"' {
				m |= 1 << k
			}
			if c == '\\' {
				bs = 1
			}
		}
		q[w] = m
	}
	return bs
}

// nextQuote returns the index of the first quote at or after i, or -1.
func nextQuote(q []uint64, i int) int {
	w := i >> 6
	if w >= len(q) {
		return -1
	}
	m := q[w] &^ (1<<(uint(i)&63) - 1)
	for m == 0 {
		if w++; w >= len(q) {
			return -1
		}
		m = q[w]
	}
	return w<<6 | bits.TrailingZeros64(m)
}
