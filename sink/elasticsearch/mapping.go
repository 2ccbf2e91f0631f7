package elasticsearch

import (
	"net/netip"
	"reflect"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch"
)

// ignoreAbove is the ECS keyword limit.
const ignoreAbove = 1024

// fieldOverrides are the ECS types that differ from what the Go type suggests.
var fieldOverrides = map[string]map[string]any{
	"message":                     {"type": "text"},
	"event.original":              {"type": "keyword", "index": false, "doc_values": false},
	"event.risk_score":            {"type": "float"},
	"event.severity":              {"type": "long"},
	"user_agent.original":         {"type": "keyword", "ignore_above": ignoreAbove, "fields": map[string]any{"text": map[string]any{"type": "text"}}},
	"rule.description":            {"type": "keyword", "ignore_above": ignoreAbove, "fields": map[string]any{"text": map[string]any{"type": "text"}}},
	"user.full_name":              {"type": "keyword", "ignore_above": ignoreAbove, "fields": map[string]any{"text": map[string]any{"type": "text"}}},
	"url.original":                {"type": "keyword", "ignore_above": 8192},
	"borderwatch.alert.reasons":   {"type": "keyword", "ignore_above": 8192},
	"network.iana_number":         {"type": "keyword", "ignore_above": ignoreAbove},
	"tls.server.not_before":       {"type": "keyword", "ignore_above": ignoreAbove},
	"tls.server.not_after":        {"type": "keyword", "ignore_above": ignoreAbove},
	"http.response.status_code":   {"type": "long"},
	"borderwatch.alert.count":     {"type": "long"},
	"borderwatch.vendor.is_proxy": {"type": "boolean"},

	// Values unique to one document (or nearly) are looked up by term, not aggregated or
	// sorted on: they stay searchable but keep no doc values, which would otherwise sort one
	// distinct value per document at every segment flush and merge. borderwatch.id keeps its
	// doc values: a terms aggregation on it is how duplicates across backing indices are found.
	"borderwatch.flow.id":      idKeyword,
	"borderwatch.alert.refs":   idKeyword,
	"event.id":                 idKeyword,
	"borderwatch.input.line":   {"type": "long", "doc_values": false},
	"borderwatch.input.offset": {"type": "long", "doc_values": false},

	// borderwatch.id is the document's _id, which already answers a term or ids query on
	// every backing index: a second inverted index of the same unique value is not built.
	// Its doc values stay for the duplicate-finding terms aggregation, and a term query on
	// the field still works (it scans doc values).
	"borderwatch.id": {"type": "keyword", "ignore_above": ignoreAbove, "index": false},

	// Counters, durations and flow bookkeeping are summed and charted, rarely filtered on:
	// doc values only, no points or terms. Range and term queries on them still work, by
	// scanning doc values (slower on large indices, cheaper to index: one points tree less
	// per field and segment).
	"source.bytes":                               docValuesLong,
	"source.packets":                             docValuesLong,
	"destination.bytes":                          docValuesLong,
	"destination.packets":                        docValuesLong,
	"network.bytes":                              docValuesLong,
	"network.packets":                            docValuesLong,
	"event.duration":                             docValuesLong,
	"source.geo.accuracy_radius":                 docValuesLong,
	"destination.geo.accuracy_radius":            docValuesLong,
	"client.geo.accuracy_radius":                 docValuesLong,
	"borderwatch.flow.source_payload_bytes":      docValuesLong,
	"borderwatch.flow.destination_payload_bytes": docValuesLong,
	"borderwatch.flow.final":                     {"type": "boolean", "index": false},
	"borderwatch.flow.reason":                    docValuesKeyword,
	"borderwatch.flow.tcp_flags":                 docValuesKeyword,

	// The client's cipher-suite list (15 or more values per TLS session) is kept in _source
	// for reading; JA3 and JA4, which digest it, are what is searched.
	"tls.client.supported_ciphers": {"type": "keyword", "index": false, "doc_values": false},
}

// docValuesLong and docValuesKeyword map a field that is aggregated and read but seldom
// filtered on: doc values, no index structures.
var (
	docValuesLong    = map[string]any{"type": "long", "index": false}
	docValuesKeyword = map[string]any{"type": "keyword", "ignore_above": ignoreAbove, "index": false}
)

// idKeyword maps an identifier: searchable by term, no doc values.
var idKeyword = map[string]any{"type": "keyword", "ignore_above": ignoreAbove, "doc_values": false}

var (
	timeType     = reflect.TypeFor[time.Time]()
	addrType     = reflect.TypeFor[netip.Addr]()
	geoPointType = reflect.TypeFor[borderwatch.GeoPoint]()
)

// EventMapping returns the Elasticsearch mapping of borderwatch.Event, derived from its JSON
// names and Go types so that every field the sink writes has a declared type: netip.Addr →
// ip, time.Time → date, GeoPoint → geo_point, strings → keyword (ignore_above 1024), integers →
// long, floats → double, bool → boolean, with the ECS exceptions in fieldOverrides.
func EventMapping() map[string]any {
	return map[string]any{
		"dynamic":        true,
		"date_detection": false,
		"dynamic_templates": []any{
			map[string]any{"strings_as_keyword": map[string]any{
				"match_mapping_type": "string",
				"mapping":            map[string]any{"type": "keyword", "ignore_above": ignoreAbove},
			}},
		},
		"properties": properties(reflect.TypeFor[borderwatch.Event](), "", 0),
	}
}

func properties(t reflect.Type, prefix string, depth int) map[string]any {
	props := map[string]any{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		if m := fieldMapping(f.Type, path, depth); m != nil {
			props[name] = m
		}
	}
	return props
}

func fieldMapping(t reflect.Type, path string, depth int) map[string]any {
	if o, ok := fieldOverrides[path]; ok {
		return o
	}
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	switch t {
	case timeType:
		return map[string]any{"type": "date"}
	case addrType:
		return map[string]any{"type": "ip"}
	case geoPointType:
		return map[string]any{"type": "geo_point"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "keyword", "ignore_above": ignoreAbove}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "long"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "double"}
	case reflect.Map:
		return map[string]any{"type": "object", "dynamic": true}
	case reflect.Struct:
		if depth > 8 {
			return nil
		}
		return map[string]any{"properties": properties(t, path, depth+1)}
	}
	return nil
}

// sessionMappings are the sessions' own mappings, over EventMapping. A session's message is
// a one-line rendering of fields that are indexed on their own (addresses, ports, domain,
// application, counters): it is kept in _source for reading, and not analyzed a second time.
func sessionMappings() map[string]any {
	return map[string]any{"properties": map[string]any{
		"message": map[string]any{"type": "text", "index": false},
	}}
}

// deadLetterMapping is the mapping of the dead-letter index.
func deadLetterMapping() map[string]any {
	kw := map[string]any{"type": "keyword", "ignore_above": ignoreAbove}
	return map[string]any{
		"dynamic": false,
		"properties": map[string]any{
			"@timestamp":  map[string]any{"type": "date"},
			"status":      map[string]any{"type": "long"},
			"index":       kw,
			"document_id": kw,
			"error": map[string]any{"properties": map[string]any{
				"type":    kw,
				"message": map[string]any{"type": "text"},
			}},
			"document": map[string]any{"type": "keyword", "index": false, "doc_values": false},
		},
	}
}
