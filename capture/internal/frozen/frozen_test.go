package frozen

import "testing"

func TestString(t *testing.T) {
	b := make([]byte, 0, 16)
	b = append(b, "abc"...)
	n := len(b)
	b = append(b, "defg"...)
	if got := String(b, 0); got != "abcdefg" {
		t.Errorf("String(b, 0) = %q", got)
	}
	if got := String(b, n); got != "defg" {
		t.Errorf("String(b, %d) = %q", n, got)
	}
	if got := String(b, len(b)); got != "" {
		t.Errorf("String(b, len) = %q", got)
	}
	if got := String(nil, 0); got != "" {
		t.Errorf("String(nil, 0) = %q", got)
	}
}
