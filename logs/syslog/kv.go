package syslog

import (
	"errors"
)

// ErrBadKV is returned by ParseKV for text that is not key=value pairs.
var ErrBadKV = errors.New("malformed key=value pair")

// ParseKV reads key=value pairs as FortiOS, WELF (Pulse, SonicWall) and similar appliances
// write them: values are bare (up to the next space, possibly empty) or double quoted, where
// a backslash escapes the next character. fn receives each pair; v aliases b except for
// quoted values with escapes, and is valid only during the call.
func ParseKV(b []byte, fn func(k string, v []byte)) error {
	i := 0
	for {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
			i++
		}
		if i >= len(b) {
			return nil
		}
		ks := i
		for i < len(b) && b[i] != '=' && b[i] != ' ' {
			i++
		}
		if i >= len(b) || b[i] != '=' || i == ks {
			return ErrBadKV
		}
		key := string(b[ks:i])
		i++ // '='
		if i < len(b) && b[i] == '"' {
			i++
			vs := i
			var esc []byte
			for ; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' && i+1 < len(b) {
					if esc == nil {
						esc = append([]byte{}, b[vs:i]...)
					}
					i++
					esc = append(esc, b[i])
					continue
				}
				if esc != nil {
					esc = append(esc, b[i])
				}
			}
			if i >= len(b) {
				return errors.New("unterminated quoted value of " + key)
			}
			v := b[vs:i]
			if esc != nil {
				v = esc
			}
			fn(key, v)
			i++ // closing quote
			continue
		}
		vs := i
		for i < len(b) && b[i] != ' ' && b[i] != '\t' {
			i++
		}
		fn(key, b[vs:i])
	}
}
