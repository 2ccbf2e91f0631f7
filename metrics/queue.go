package metrics

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/prometheus/client_golang/prometheus"
)

// Queue measures how far processing lags behind the sources. Put it first among a
// pipeline's enrichers: every event passes it when processing takes it off the queue, so
// the queue depth is the events read (borderwatch.Stats.Read) less the events taken. It also
// keeps the time of the last event, which /healthz uses as a heartbeat. Safe for concurrent
// use; the zero value is not usable: use NewQueue.
type Queue struct {
	stats *borderwatch.Stats
	taken atomic.Uint64
	last  atomic.Int64 // unix nanoseconds of the last event taken
}

var _ borderwatch.Enricher = (*Queue)(nil)

// NewQueue returns a Queue over the pipeline's stats.
func NewQueue(stats *borderwatch.Stats) *Queue { return &Queue{stats: stats} }

// Enrich counts ev as taken off the queue; it changes nothing.
func (q *Queue) Enrich(context.Context, *borderwatch.Event) error {
	q.taken.Add(1)
	q.last.Store(time.Now().UnixNano())
	return nil
}

// Taken returns how many events processing has taken off the queue.
func (q *Queue) Taken() uint64 { return q.taken.Load() }

// Depth returns the events accepted from sources and not yet taken by processing.
func (q *Queue) Depth() uint64 {
	taken := q.taken.Load()
	read := q.stats.Read.Load()
	if read < taken {
		return 0
	}
	return read - taken
}

// LastEvent returns when processing last took an event (zero before the first).
func (q *Queue) LastEvent() time.Time {
	n := q.last.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Queue exports q's depth as borderwatch_pipeline_queue_depth and its throughput as
// borderwatch_pipeline_events_processed_total.
func (r *Registry) Queue(q *Queue) error {
	if err := r.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: "pipeline_queue_depth",
		Help: "Events read from sources and waiting for processing."}, func() float64 { return float64(q.Depth()) })); err != nil {
		return err
	}
	return r.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: Namespace, Name: "pipeline_events_processed_total",
		Help: "Events taken off the queue by processing."}, func() float64 { return float64(q.Taken()) }))
}
