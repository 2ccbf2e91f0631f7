package config

import "testing"

// FuzzLoad feeds arbitrary YAML to the loader: it must return an error or a config, never panic.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{"", "geoip:\n  city: x\n", "lists:\n  - name: a\n", "flow: {tcp_timeout: 5s}", "a: [", "settings: {a: {b: [1, 2]}}", "watched: !!binary aGk="} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := defaults()
		_ = Load("fuzz.yaml", data, &c)
	})
}
