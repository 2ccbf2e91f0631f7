package syslog

import "testing"

func TestParseKV(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]string
		ok   bool
	}{
		{`a=1 b="two words" c=`, map[string]string{"a": "1", "b": "two words", "c": ""}, true},
		{`msg="say \"hi\"" x=y`, map[string]string{"msg": `say "hi"`, "x": "y"}, true},
		{`a="open`, nil, false},
		{`novalue`, nil, false},
		{`=v`, nil, false},
	}
	for _, tt := range tests {
		got := map[string]string{}
		err := ParseKV(tt.in, func(k, v string) { got[k] = v })
		if (err == nil) != tt.ok {
			t.Errorf("%q: err = %v", tt.in, err)
			continue
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%q: %s = %q, want %q", tt.in, k, got[k], v)
			}
		}
	}
}

func FuzzParseKV(f *testing.F) {
	for _, s := range []string{`a=1 b="two words" c=`, `msg="say \"hi\"" x=y`, `a="open`, `=v`, `k=v\`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		err := ParseKV(string(data), func(k, v string) {
			if k == "" {
				t.Fatal("empty key")
			}
			n++
		})
		if err != nil && n > len(data) {
			t.Fatal("more pairs than bytes")
		}
	})
}
