package syslog

import (
	"errors"
	"strings"
)

// ErrBadKV is returned by ParseKV for text that is not key=value pairs.
var ErrBadKV = errors.New("malformed key=value pair")

// ParseKV reads key=value pairs as FortiOS, WELF (Pulse, SonicWall) and similar appliances
// write them: values are bare (up to the next space, possibly empty) or double quoted, where
// a backslash escapes the next character. fn receives each pair; keys and values are
// substrings of s except for quoted values with escapes, so they do not allocate.
func ParseKV(s string, fn func(k, v string)) error {
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			return nil
		}
		ks := i
		for i < len(s) && s[i] != '=' && s[i] != ' ' {
			i++
		}
		if i >= len(s) || s[i] != '=' || i == ks {
			return ErrBadKV
		}
		key := s[ks:i]
		i++ // '='
		if i < len(s) && s[i] == '"' {
			i++
			vs := i
			escaped := false
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					escaped = true
					i++
				}
			}
			if i >= len(s) {
				return errors.New("unterminated quoted value of " + key)
			}
			v := s[vs:i]
			if escaped {
				v = unescape(v)
			}
			fn(key, v)
			i++ // closing quote
			continue
		}
		vs := i
		for i < len(s) && s[i] != ' ' && s[i] != '\t' {
			i++
		}
		fn(key, s[vs:i])
	}
}

func unescape(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
