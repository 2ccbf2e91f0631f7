package logs

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

type framed struct {
	rec     string
	line    int64
	tooLong bool
}

func frameAll(t testing.TB, fr framer) []framed {
	var out []framed
	for i := 0; i < 100000; i++ {
		rec, line, tooLong, err := fr.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		out = append(out, framed{string(rec), line, tooLong})
	}
	t.Fatal("framer does not end")
	return nil
}

func TestJSONReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want []framed
	}{
		{"array", `[{"a":1},{"b":"x"}]`, 100, []framed{{`{"a":1}`, 1, false}, {`{"b":"x"}`, 1, false}}},
		{"pretty pages", "[\n {\"a\": 1},\n {\"b\": \"}]\"}\n]\n[\n {\"c\": [1, {\"d\": 2}]}\n]\n", 100,
			[]framed{{`{"a": 1}`, 2, false}, {`{"b": "}]"}`, 3, false}, {`{"c": [1, {"d": 2}]}`, 6, false}}},
		{"escaped quotes", `[{"a":"x\"}\\"},{"b":2}]`, 100, []framed{{`{"a":"x\"}\\"}`, 1, false}, {`{"b":2}`, 1, false}}},
		{"pretty object", "{\n  \"Records\": [\n    {\"x\": 1}\n  ]\n}\n{\"y\":2}", 100,
			[]framed{{"{\n  \"Records\": [\n    {\"x\": 1}\n  ]\n}", 1, false}, {`{"y":2}`, 6, false}}},
		{"garbage line", "[{\"a\":1}]\nnot json\n{\"b\":2}", 100,
			[]framed{{`{"a":1}`, 1, false}, {"not json", 2, false}, {`{"b":2}`, 3, false}}},
		{"too long", `[{"a":"0123456789"},{"b":1}]`, 10, []framed{{`{"a":"0123`, 1, true}, {`{"b":1}`, 1, false}}},
		{"unterminated", "[{\"a\":1},{\"b\":", 100, []framed{{`{"a":1}`, 1, false}, {`{"b":`, 1, false}}},
		{"nested arrays in array", `[[1,2],[3]]`, 100, []framed{{`[1,2]`, 1, false}, {`[3]`, 1, false}}},
		{"empty", "  \n ", 100, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A tiny buffer exercises records spread over several reads.
			got := frameAll(t, newJSONReader(bufio.NewReaderSize(strings.NewReader(tt.in), 16), tt.max))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d records %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("record %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestLineReader(t *testing.T) {
	in := "a\r\nbb\n\n" + strings.Repeat("x", 40) + "\nlast"
	for _, partial := range []bool{true, false} {
		lr := newLineReader(bufio.NewReaderSize(strings.NewReader(in), 16), 10, partial, 0, 0)
		got := frameAll(t, lr)
		want := []framed{{"a", 1, false}, {"bb", 2, false}, {"", 3, false}, {strings.Repeat("x", 10), 4, true}}
		consumed := int64(len(in) - len("last"))
		if partial {
			want = append(want, framed{"last", 5, false})
			consumed = int64(len(in))
		}
		if len(got) != len(want) {
			t.Fatalf("partial=%v: got %+v", partial, got)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("partial=%v: line %d = %+v, want %+v", partial, i, got[i], want[i])
			}
		}
		if lr.consumed() != consumed {
			t.Errorf("partial=%v: consumed %d, want %d", partial, lr.consumed(), consumed)
		}
	}
}

func TestJSONLayout(t *testing.T) {
	tests := map[string]bool{
		`{"a":1}` + "\n" + `{"b":2}`:   true,
		"{\n\"a\":1}":                  false,
		`[{"a":1}]`:                    false,
		`{"a":1}`:                      true,
		"  \n{\"a\":1}\n":              true,
		`{"Records":[{"a":1}]}` + "\n": false,
		`{ "records" : [ ]}`:           false,
		`{"Recordsx":[1]}`:             true,
	}
	for in, want := range tests {
		if got := jsonLayout(bufio.NewReader(strings.NewReader(in))); got != want {
			t.Errorf("jsonLayout(%q) = %v, want %v", in, got, want)
		}
	}
}

// FuzzFramers checks that both framers end, never panic, never return a record over the cap,
// and that line numbers never go backwards.
func FuzzFramers(f *testing.F) {
	for _, s := range []string{`[{"a":1},{"b":[1,2,{"c":"]"}]}]`, "{\n\"x\":\"\\\"\"}\n{", "a\nb\r\nc", "[[[[", "\"\\", "]]]}}}"} {
		f.Add([]byte(s), uint8(8))
	}
	f.Fuzz(func(t *testing.T, data []byte, max uint8) {
		m := int(max%64) + 1
		for _, fr := range []framer{
			newJSONReader(bufio.NewReaderSize(bytes.NewReader(data), 16), m),
			newLineReader(bufio.NewReaderSize(bytes.NewReader(data), 16), m, true, 0, 0),
		} {
			var last int64
			for _, r := range frameAll(t, fr) {
				if len(r.rec) > m {
					t.Fatalf("record of %d bytes over the cap %d", len(r.rec), m)
				}
				if r.line < last {
					t.Fatalf("line went back from %d to %d", last, r.line)
				}
				last = r.line
			}
			if fr.consumed() > int64(len(data)) {
				t.Fatalf("consumed %d of %d bytes", fr.consumed(), len(data))
			}
		}
	})
}
