package metrics

import (
	"context"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/prometheus/client_golang/prometheus"
)

// Sink wraps a borderwatch.Sink and measures it: publish latency and batch sizes
// (borderwatch_sink_publish_seconds, borderwatch_sink_batch_events) and errors, labelled by
// name. It is as safe for concurrent use as the sink it wraps.
type Sink struct {
	next    borderwatch.Sink
	latency prometheus.Observer
	batch   prometheus.Observer
	events  prometheus.Counter
	errs    prometheus.Counter
}

var _ borderwatch.Sink = (*Sink)(nil)

type sinkMetrics struct {
	latency, batch *prometheus.HistogramVec
	events, errs   *prometheus.CounterVec
}

func (r *Registry) sinkMetrics() (*sinkMetrics, error) {
	m := &sinkMetrics{
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "sink_publish_seconds",
			Help:    "Time a sink takes to write or queue one batch.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12)}, []string{"sink"}),
		batch: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "sink_batch_events",
			Help: "Events per batch handed to a sink.", Buckets: prometheus.ExponentialBuckets(1, 4, 8)}, []string{"sink"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "sink_events_total",
			Help: "Events a sink accepted."}, []string{"sink"}),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "sink_publish_errors_total",
			Help: "Batches a sink failed to write."}, []string{"sink"}),
	}
	for _, c := range []prometheus.Collector{m.latency, m.batch, m.events, m.errs} {
		if err := r.reg.Register(c); err != nil {
			if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
				switch existing := are.ExistingCollector.(type) {
				case *prometheus.HistogramVec:
					if c == prometheus.Collector(m.latency) {
						m.latency = existing
					} else {
						m.batch = existing
					}
					continue
				case *prometheus.CounterVec:
					if c == prometheus.Collector(m.events) {
						m.events = existing
					} else {
						m.errs = existing
					}
					continue
				}
			}
			return nil, err
		}
	}
	return m, nil
}

// Sink returns s wrapped so that its batches are timed under the label name.
func (r *Registry) Sink(name string, s borderwatch.Sink) (*Sink, error) {
	m, err := r.sinkMetrics()
	if err != nil {
		return nil, err
	}
	return &Sink{next: s, latency: m.latency.WithLabelValues(name), batch: m.batch.WithLabelValues(name),
		events: m.events.WithLabelValues(name), errs: m.errs.WithLabelValues(name)}, nil
}

// Publish times the wrapped sink's Publish.
func (s *Sink) Publish(ctx context.Context, evs []*borderwatch.Event) error {
	start := time.Now()
	err := s.next.Publish(ctx, evs)
	s.latency.Observe(time.Since(start).Seconds())
	s.batch.Observe(float64(len(evs)))
	if err != nil {
		s.errs.Inc()
		return err
	}
	s.events.Add(float64(len(evs)))
	return nil
}

// Close closes the wrapped sink.
func (s *Sink) Close(ctx context.Context) error { return s.next.Close(ctx) }

// Unwrap returns the wrapped sink.
func (s *Sink) Unwrap() borderwatch.Sink { return s.next }

// CopiesEvents reports what the wrapped sink reports.
func (s *Sink) CopiesEvents() bool { return borderwatch.CopiesEvents(s.next) }
