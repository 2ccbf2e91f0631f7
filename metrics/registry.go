package metrics

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"unicode"

	"github.com/borderwatch/borderwatch"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Namespace prefixes every metric name.
const Namespace = "borderwatch"

// Registry holds the metrics one process exports. Safe for concurrent use. Build it with
// NewRegistry; the zero value is not usable.
type Registry struct {
	reg *prometheus.Registry
}

// NewRegistry returns a registry with the Go runtime and process collectors and a
// borderwatch_build_info gauge.
func NewRegistry(version, commit string) *Registry {
	r := &Registry{reg: prometheus.NewRegistry()}
	r.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	bi := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "build_info",
		Help: "Build of the running binary.", ConstLabels: prometheus.Labels{"version": version, "commit": commit}})
	bi.Set(1)
	r.reg.MustRegister(bi)
	return r
}

// Prometheus returns the underlying registry, for components that register their own
// collectors.
func (r *Registry) Prometheus() *prometheus.Registry { return r.reg }

// Register adds a collector; a name clash is an error.
func (r *Registry) Register(c prometheus.Collector) error {
	if err := r.reg.Register(c); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// Pipeline exports the pipeline's counters: events read, written, dropped and rejected (per
// format: the parse errors), alerts per rule, and enrichment, rule, source and sink errors.
func (r *Registry) Pipeline(stats *borderwatch.Stats) error {
	return r.Register(&pipelineCollector{stats: stats})
}

var (
	descRead      = desc("events_read_total", "Events accepted from sources.")
	descWritten   = desc("events_written_total", "Events and alerts handed to the sinks successfully.")
	descDropped   = desc("events_dropped_total", "Events dropped: full queue on live input, or after a fatal sink error.")
	descRejected  = desc("parse_errors_total", "Input records that could not be parsed, by format.", "format")
	descEnriched  = desc("events_enriched_total", "Events that went through every enricher without error.")
	descEnrichErr = desc("enrich_errors_total", "Enrichment errors.")
	descRuleErr   = desc("rule_errors_total", "Rule evaluation errors.")
	descAlerts    = desc("alerts_total", "Alerts raised, by rule.", "rule")
	descSourceErr = desc("source_errors_total", "Sources that stopped with an error.")
	descSinkErr   = desc("sink_errors_total", "Sink publish or close errors.")
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(Namespace+"_"+name, help, labels, nil)
}

type pipelineCollector struct{ stats *borderwatch.Stats }

func (c *pipelineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRead, descWritten, descDropped, descRejected, descEnriched, descEnrichErr,
		descRuleErr, descAlerts, descSourceErr, descSinkErr} {
		ch <- d
	}
}

func (c *pipelineCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats.Snapshot()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(descRead, s.Read)
	counter(descWritten, s.Written)
	counter(descDropped, s.Dropped)
	counter(descEnriched, s.Enriched)
	counter(descEnrichErr, s.EnrichErrors)
	counter(descRuleErr, s.RuleErrors)
	counter(descSourceErr, s.SourceErrors)
	counter(descSinkErr, s.SinkErrors)
	if len(s.RejectedByFormat) == 0 && s.Rejected > 0 {
		counter(descRejected, s.Rejected, "unknown")
	}
	for f, n := range s.RejectedByFormat {
		if f == "" {
			f = "unknown"
		}
		counter(descRejected, n, f)
	}
	for rule, n := range s.AlertsByRule {
		if rule == "" {
			rule = "unknown"
		}
		counter(descAlerts, n, rule)
	}
}

// Struct exports the numeric fields of the struct that snapshot returns, read at every
// scrape, as borderwatch_<subsystem>_<field>: unsigned integers and atomic.Uint64/Uint32 are
// counters (suffix _total), signed integers, floats, bools and atomic.Int64/Int32 are gauges.
// Atomic fields are read only through a pointer: return *T for structs that hold them. Field names become snake_case (CacheHits →
// cache_hits_total). When the struct has CacheHits and CacheMisses, a
// borderwatch_<subsystem>_cache_hit_ratio gauge is added. snapshot may also return a
// map[string]T of such structs, exported with the label labelName (e.g. per rule or per
// worker). snapshot must be safe to call from the scrape goroutine.
func (r *Registry) Struct(subsystem, labelName string, snapshot func() any) error {
	v := reflect.ValueOf(snapshot())
	t := v.Type()
	keyed := false
	if t.Kind() == reflect.Map {
		if t.Key().Kind() != reflect.String || labelName == "" {
			return fmt.Errorf("metrics: %s: a map needs string keys and a label name", subsystem)
		}
		keyed, t = true, t.Elem()
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return fmt.Errorf("metrics: %s: snapshot returns %s, want a struct or a map of structs", subsystem, t)
	}
	sc := &structCollector{snapshot: snapshot, keyed: keyed}
	var labels []string
	if keyed {
		labels = []string{labelName}
	}
	var walk func(t reflect.Type, prefix string, index []int)
	walk = func(t reflect.Type, prefix string, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			idx := append(slices.Clone(index), i)
			var vt prometheus.ValueType
			name := prefix + snake(f.Name)
			switch f.Type.Kind() {
			case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
				vt, name = prometheus.CounterValue, name+"_total"
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Float32, reflect.Float64:
				vt = prometheus.GaugeValue
			case reflect.Bool:
				vt = prometheus.GaugeValue
			case reflect.Struct:
				// sync/atomic counters: atomic.Uint64 is a counter, atomic.Int64 a gauge; other
				// structs are flattened (Flow.Evicted → flow_evicted_total).
				switch f.Type {
				case atomicUint64, atomicUint32:
					vt, name = prometheus.CounterValue, name+"_total"
				case atomicInt64, atomicInt32:
					vt = prometheus.GaugeValue
				default:
					if len(index) < 3 {
						walk(f.Type, name+"_", idx)
					}
					continue
				}
			default:
				continue
			}
			if len(index) == 0 && f.Name == "CacheHits" {
				sc.hitsIdx = idx
			}
			if len(index) == 0 && f.Name == "CacheMisses" {
				sc.missIdx = idx
			}
			sc.fields = append(sc.fields, structField{index: idx, vt: vt,
				desc: prometheus.NewDesc(Namespace+"_"+subsystem+"_"+name, fmt.Sprintf("%s counter %s.", subsystem, name), labels, nil)})
		}
	}
	walk(t, "", nil)
	if len(sc.fields) == 0 {
		return fmt.Errorf("metrics: %s: %s has no numeric fields", subsystem, t)
	}
	if sc.hitsIdx != nil && sc.missIdx != nil {
		sc.ratio = prometheus.NewDesc(Namespace+"_"+subsystem+"_cache_hit_ratio",
			subsystem+": cache hits / (hits + misses) since start.", labels, nil)
	}
	return r.Register(sc)
}

type structField struct {
	index []int
	vt    prometheus.ValueType
	desc  *prometheus.Desc
}

type structCollector struct {
	snapshot         func() any
	keyed            bool
	fields           []structField
	ratio            *prometheus.Desc
	hitsIdx, missIdx []int
}

func (c *structCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range c.fields {
		ch <- f.desc
	}
	if c.ratio != nil {
		ch <- c.ratio
	}
}

func (c *structCollector) Collect(ch chan<- prometheus.Metric) {
	v := reflect.ValueOf(c.snapshot())
	if !c.keyed {
		c.collect(ch, v)
		return
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	for _, k := range keys {
		c.collect(ch, v.MapIndex(k), k.String())
	}
}

func (c *structCollector) collect(ch chan<- prometheus.Metric, v reflect.Value, labels ...string) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	for _, f := range c.fields {
		ch <- prometheus.MustNewConstMetric(f.desc, f.vt, number(v.FieldByIndex(f.index)), labels...)
	}
	if c.ratio != nil {
		hits, misses := number(v.FieldByIndex(c.hitsIdx)), number(v.FieldByIndex(c.missIdx))
		ratio := 0.0
		if hits+misses > 0 {
			ratio = hits / (hits + misses)
		}
		ch <- prometheus.MustNewConstMetric(c.ratio, prometheus.GaugeValue, ratio, labels...)
	}
}

var (
	atomicUint64 = reflect.TypeFor[atomic.Uint64]()
	atomicUint32 = reflect.TypeFor[atomic.Uint32]()
	atomicInt64  = reflect.TypeFor[atomic.Int64]()
	atomicInt32  = reflect.TypeFor[atomic.Int32]()
)

func number(v reflect.Value) float64 {
	if v.Kind() == reflect.Struct {
		if !v.CanAddr() {
			return 0
		}
		switch x := v.Addr().Interface().(type) {
		case *atomic.Uint64:
			return float64(x.Load())
		case *atomic.Uint32:
			return float64(x.Load())
		case *atomic.Int64:
			return float64(x.Load())
		case *atomic.Int32:
			return float64(x.Load())
		}
		return 0
	}
	switch v.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int())
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.Bool:
		if v.Bool() {
			return 1
		}
	}
	return 0
}

// snake turns a Go field name into snake_case: CacheHits → cache_hits, KernelDrops →
// kernel_drops, TCPFlows → tcp_flows.
func snake(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			prevLower := i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]))
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if i > 0 && (prevLower || (nextLower && unicode.IsUpper(rs[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
