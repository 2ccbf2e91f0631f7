package fortigate

import (
	"errors"
)

var errBadKV = errors.New("malformed key=value pair")

// parseKV reads FortiOS key=value pairs: values are bare (up to the next space) or double
// quoted, where a backslash escapes the next character. fn receives each pair; the slices
// alias b except for quoted values with escapes.
func parseKV(b []byte, fn func(k string, v []byte)) error {
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
			return errBadKV
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
