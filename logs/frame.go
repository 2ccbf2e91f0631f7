package logs

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"regexp"

	"github.com/valyala/fastjson"
)

// DefaultMaxLine is the default cap on one record (a line or a JSON document), in bytes.
const DefaultMaxLine = 1 << 20

// DefaultMaxDocument caps one multi-line JSON document (a pretty-printed export), in bytes.
const DefaultMaxDocument = 64 << 20

// framer splits input into records. Records returned by next are valid until the next call.
type framer interface {
	// next returns the next record and the 1-based line it starts on. A record longer than
	// the cap comes back cut to the cap with tooLong set. At the end it returns io.EOF.
	next() (rec []byte, line int64, tooLong bool, err error)
	// consumed is the number of input bytes through the end of the last record returned.
	consumed() int64
}

// lineReader frames newline-terminated records (LF or CRLF). Memory stays bounded by max:
// the remainder of a longer line is read and dropped.
//
// With partialOK false a last line without its newline is not returned (follow mode waits
// for the writer to finish it) and consumed does not include it.
type lineReader struct {
	r         *bufio.Reader
	max       int
	partialOK bool
	buf       []byte
	line      int64
	offset    int64
}

func newLineReader(r *bufio.Reader, max int, partialOK bool, startLine, startOffset int64) *lineReader {
	return &lineReader{r: r, max: max, partialOK: partialOK, line: startLine, offset: startOffset}
}

func (lr *lineReader) consumed() int64 { return lr.offset }

func (lr *lineReader) next() ([]byte, int64, bool, error) {
	lr.buf = lr.buf[:0]
	var n int64
	tooLong := false
	for {
		chunk, err := lr.r.ReadSlice('\n')
		n += int64(len(chunk))
		if err == nil && len(lr.buf) == 0 && !tooLong {
			// The common case: the whole line is in the reader's buffer.
			rec := trimEOL(chunk)
			lr.line++
			lr.offset += n
			if len(rec) > lr.max {
				return rec[:lr.max], lr.line, true, nil
			}
			return rec, lr.line, false, nil
		}
		if !tooLong {
			room := lr.max + 2 - len(lr.buf) // +2 leaves room for CRLF
			if len(chunk) > room {
				lr.buf = append(lr.buf, chunk[:room]...)
				tooLong = true
			} else {
				lr.buf = append(lr.buf, chunk...)
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if n == 0 || !lr.partialOK {
				return nil, lr.line, false, io.EOF
			}
		default:
			return nil, lr.line, false, err
		}
		lr.line++
		lr.offset += n
		rec := trimEOL(lr.buf)
		if len(rec) > lr.max {
			rec, tooLong = rec[:lr.max], true
		}
		return rec, lr.line, tooLong, nil
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// jsonReader frames JSON documents that are not one per line: the elements of top-level
// arrays (API pages, several pages in one file) and concatenated or pretty-printed objects.
// It tracks strings and nesting only; validating is the parser's job. Anything that is not
// an object or array at the top level is returned up to the end of its line, so that the
// parser rejects it with its line number.
type jsonReader struct {
	r       *bufio.Reader
	max     int
	buf     []byte
	line    int64 // line of the scan position
	offset  int64
	inArray bool
}

func newJSONReader(r *bufio.Reader, max int) *jsonReader {
	return &jsonReader{r: r, max: max, line: 1}
}

func (j *jsonReader) consumed() int64 { return j.offset }

func (j *jsonReader) next() ([]byte, int64, bool, error) {
	j.buf = j.buf[:0]
	var (
		recording, scalar, inStr, esc, tooLong bool
		depth                                  int
		recLine                                int64
	)
	for {
		if j.r.Buffered() == 0 {
			if _, err := j.r.Peek(1); err != nil {
				if recording {
					return j.buf, recLine, tooLong, nil // unterminated: the parser rejects it
				}
				return nil, j.line, false, err
			}
		}
		chunk, _ := j.r.Peek(j.r.Buffered())
		i, start, done := 0, 0, false
		if !recording {
			for ; i < len(chunk) && !recording; i++ {
				switch c := chunk[i]; c {
				case '\n':
					j.line++
				case ' ', '\t', '\r', ',':
				case '[':
					if !j.inArray {
						j.inArray = true
						continue
					}
					recording, depth = true, 1
				case ']':
					if j.inArray {
						j.inArray = false
						continue
					}
					recording, scalar = true, true
				case '{':
					recording, depth = true, 1
				default:
					recording, scalar = true, true
				}
			}
			if !recording {
				j.discard(i)
				continue
			}
			start = i - 1
			recLine = j.line
		}
		for ; i < len(chunk) && !done; i++ {
			c := chunk[i]
			if c == '\n' {
				j.line++
				if scalar {
					done = true
					continue
				}
			}
			switch {
			case scalar:
			case inStr:
				if esc {
					esc = false
				} else if c == '\\' {
					esc = true
				} else if c == '"' {
					inStr = false
				}
			case c == '"':
				inStr = true
			case c == '{' || c == '[':
				depth++
			case c == '}' || c == ']':
				depth--
				if depth <= 0 {
					done = true
				}
			}
		}
		if !tooLong {
			piece := chunk[start:i]
			if room := j.max - len(j.buf); len(piece) > room {
				j.buf = append(j.buf, piece[:room]...)
				tooLong = true
			} else {
				j.buf = append(j.buf, piece...)
			}
		}
		j.discard(i)
		if done {
			return bytes.TrimRight(j.buf, " \t\r\n"), recLine, tooLong, nil
		}
	}
}

func (j *jsonReader) discard(n int) {
	d, _ := j.r.Discard(n)
	j.offset += int64(d)
}

// peekLine returns the buffered start of the input up to and including its first non-blank
// line, reading no more than needed (stdin may be a live stream) and at most the buffer size.
func peekLine(br *bufio.Reader) []byte {
	n := 1
	for {
		b, err := br.Peek(n)
		t := bytes.TrimLeft(b, " \t\r\n")
		if (len(t) > 0 && bytes.IndexByte(t, '\n') >= 0) || err != nil || n >= br.Size() {
			return b
		}
		n = max(len(b)+1, br.Buffered())
	}
}

// wrapperStart matches the start of the wrapper documents that hold many records.
var wrapperStart = regexp.MustCompile(`^\{\s*"(Records|records|value|items)"\s*:\s*\[`)

// jsonLayout decides how a JSON input is framed from its first line: one document per line
// (NDJSON, the usual export) or documents spread over lines (arrays, pretty-printed objects).
func jsonLayout(br *bufio.Reader) (oneLine bool) {
	b := bytes.TrimLeft(peekLine(br), " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	if wrapperStart.Match(b[:min(len(b), 64)]) {
		// A wrapper document ({"Records":[...]}) is one record however long its one line
		// is: CloudTrail writes files of several MB on a single line.
		return false
	}
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		if len(b) >= br.Size()-1 {
			return true // a first line longer than the buffer: NDJSON with big records
		}
		nl = len(b)
	}
	return fastjson.ValidateBytes(bytes.TrimRight(b[:nl], "\r")) == nil
}

// peekFirstByte returns the first byte that is not white space, or 0.
func peekFirstByte(br *bufio.Reader) byte {
	b := bytes.TrimLeft(peekLine(br), " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}
