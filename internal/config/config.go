// Package config loads layered configuration into tagged structs: defaults, then a YAML file
// (unknown keys are errors naming file, line and the nearest valid key), then BORDERWATCH_*
// environment variables; it validates every section that has a Validate method and prints the
// effective configuration with secrets redacted.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// LoadFile overlays the YAML file at path onto dst, which must point to a struct already
// holding the defaults.
func LoadFile(path string, dst any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return Load(path, data, dst)
}

// Load overlays YAML data (named name in messages) onto dst.
func Load(name string, data []byte, dst any) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file changes nothing
		}
		return fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if err := checkKeys(name, root, reflect.TypeOf(dst).Elem(), ""); err != nil {
		return err
	}
	if err := root.Decode(dst); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			msgs := make([]string, len(te.Errors))
			for i, m := range te.Errors {
				// "line 2: cannot unmarshal ..." → "name:2: cannot unmarshal ..."
				if rest, ok := strings.CutPrefix(m, "line "); ok {
					if n, msg, ok := strings.Cut(rest, ": "); ok {
						m = fmt.Sprintf("%s:%s: %s", name, n, msg)
					}
				}
				msgs[i] = m
			}
			return errors.New(strings.Join(msgs, "; "))
		}
		return fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return nil
}

// checkKeys walks a mapping node alongside the struct type t and reports the first key that
// names no field.
func checkKeys(name string, n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			f, ok := fields[k.Value]
			if !ok {
				where := path
				if where == "" {
					where = "the top level"
				}
				msg := fmt.Sprintf("%s:%d: unknown key %q in %s", name, k.Line, k.Value, where)
				if near := nearest(k.Value, keys(fields)); near != "" {
					msg += fmt.Sprintf("; did you mean %q?", near)
				} else {
					msg += fmt.Sprintf("; valid keys: %s", strings.Join(keys(fields), ", "))
				}
				return errors.New(msg)
			}
			if err := checkKeys(name, v, f.Type, join(path, k.Value)); err != nil {
				return err
			}
		}
	case n.Kind == yaml.SequenceNode && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for i, c := range n.Content {
			if err := checkKeys(name, c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkKeys(name, n.Content[i+1], t.Elem(), join(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps the YAML keys of struct t to their fields (inline structs flattened).
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			for k, v := range yamlFields(ft) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f
	}
	return out
}

func keys(m map[string]reflect.StructField) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// nearest returns the candidate closest to s by edit distance, if it is close enough to be a
// likely typo.
func nearest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	for _, c := range candidates {
		if d := levenshtein(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ApplyEnv sets the fields of *dst from environment variables named prefix + the upper-cased
// YAML path with "_" between levels (BORDERWATCH_OUTPUT_FORMAT sets output.format). Scalars,
// durations and comma-separated lists of strings are supported. environ is os.Environ() form.
func ApplyEnv(prefix string, dst any, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, prefix) {
			env[k] = v
		}
	}
	if len(env) == 0 {
		return nil
	}
	return applyEnv(reflect.ValueOf(dst).Elem(), prefix, env)
}

var durationType = reflect.TypeOf(time.Duration(0))

func applyEnv(v reflect.Value, name string, env map[string]string) error {
	if v.Kind() == reflect.Struct {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			key, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if key == "-" {
				continue
			}
			sub := name
			if !strings.Contains(opts, "inline") {
				if key == "" {
					key = strings.ToLower(f.Name)
				}
				sub = name + "_" + strings.ToUpper(key)
			}
			if err := applyEnv(v.Field(i), sub, env); err != nil {
				return err
			}
		}
		return nil
	}
	s, ok := env[name]
	if !ok {
		return nil
	}
	if err := setScalar(v, s); err != nil {
		return fmt.Errorf("environment %s=%q: %w", name, s, err)
	}
	return nil
}

func setScalar(v reflect.Value, s string) error {
	if v.Type() == durationType {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("want a duration such as 30s or 5m")
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("want an integer")
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("want a non-negative integer")
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("want a number")
		}
		v.SetFloat(f)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("lists of %s cannot be set from the environment", v.Type().Elem())
		}
		var parts []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		v.Set(reflect.ValueOf(parts).Convert(v.Type()))
	default:
		return fmt.Errorf("%s cannot be set from the environment; use the config file", v.Type())
	}
	return nil
}

// Validator is implemented by configuration sections that check themselves.
type Validator interface{ Validate() error }

// Validate calls Validate on every section of *cfg (recursively) that implements Validator,
// and prefixes each error with the section's YAML path.
func Validate(cfg any) error {
	return validate(reflect.ValueOf(cfg), "")
}

func validate(v reflect.Value, path string) error {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if key == "" || key == "-" {
			continue
		}
		fv := v.Field(i)
		p := join(path, key)
		if fv.CanAddr() {
			if val, ok := fv.Addr().Interface().(Validator); ok {
				if err := val.Validate(); err != nil {
					return fmt.Errorf("config %s: %w", p, err)
				}
				continue
			}
		}
		if err := validate(fv, p); err != nil {
			return err
		}
	}
	return nil
}

// Dump renders cfg as YAML, replacing the values of fields tagged `secret:"true"` with
// "<redacted>" when they are set.
func Dump(cfg any) ([]byte, error) {
	var n yaml.Node
	if err := n.Encode(cfg); err != nil {
		return nil, err
	}
	redact(&n, reflect.TypeOf(cfg))
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

func redact(n *yaml.Node, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.DocumentNode:
		for _, c := range n.Content {
			redact(c, t)
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			f, ok := fields[n.Content[i].Value]
			if !ok {
				continue
			}
			v := n.Content[i+1]
			if f.Tag.Get("secret") == "true" && v.Kind == yaml.ScalarNode && v.Value != "" {
				v.Value, v.Tag, v.Style = "<redacted>", "!!str", 0
				continue
			}
			redact(v, f.Type)
		}
	case n.Kind == yaml.SequenceNode && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for _, c := range n.Content {
			redact(c, t.Elem())
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		for i := 1; i < len(n.Content); i += 2 {
			redact(n.Content[i], t.Elem())
		}
	}
}
