package elasticsearch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/sink/spool"
	es "github.com/elastic/go-elasticsearch/v8"
)

var _ borderwatch.Sink = (*Sink)(nil)

// Stats are the sink's counters, safe to read at any time with Snapshot.
type Stats struct {
	Acked          atomic.Uint64 // documents indexed (2xx)
	Duplicates     atomic.Uint64 // documents already present (409 on create)
	Retried        atomic.Uint64 // document deliveries retried after 429, 5xx or a network error
	DeadLettered   atomic.Uint64 // documents refused for good and kept in the dead-letter index or file
	DeadLetterLost atomic.Uint64 // refused documents that no dead-letter destination took (logged)
	Spooled        atomic.Uint64 // documents written to the spool
	Drained        atomic.Uint64 // documents delivered from the spool
	Requests       atomic.Uint64 // bulk requests
	RequestErrors  atomic.Uint64 // bulk requests without an HTTP answer
	Splits         atomic.Uint64 // bulk requests split after 413
}

// StatsSnapshot is a copy of Stats.
type StatsSnapshot struct {
	Acked, Duplicates, Retried, DeadLettered, DeadLetterLost uint64
	Spooled, Drained, Requests, RequestErrors, Splits        uint64
	SpoolPending                                             int64
}

// Sink indexes events into Elasticsearch. Publish returns once every document of the batch is
// acknowledged by the cluster (2xx or 409), kept as a dead letter, or fsynced to the spool.
// Publish and Close are called from one goroutine (borderwatch.Sink); Stats and Snapshot are
// safe for concurrent use. Publish keeps neither the events nor their encoded bodies after it
// returns (one body buffer is reused from batch to batch). Create it with New.
type Sink struct {
	cfg    Config
	log    *slog.Logger
	client *es.Client
	stats  Stats
	spool  *spool.Spool // nil without a spool
	back   Backoff

	dlMu   sync.Mutex
	dlFile *os.File

	streams [3]string // data stream names by kindOf
	arena   []byte    // document bodies of the last Publish, reused
	ends    []int     // where each body ends in arena

	stop      context.CancelFunc
	drainDone chan struct{}
	closed    bool
}

// New connects to Elasticsearch, runs Setup unless cfg.Setup.OnStart is off, opens the spool
// if configured and starts draining what a previous run left in it.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Sink, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	client, err := NewClient(cfg, log)
	if err != nil {
		return nil, err
	}
	return newSink(ctx, cfg, client, log)
}

func newSink(ctx context.Context, cfg Config, client *es.Client, log *slog.Logger) (*Sink, error) {
	s := &Sink{cfg: cfg, log: log, client: client, back: Backoff{Base: cfg.Retry.Backoff, Max: cfg.Retry.MaxBackoff}}
	for i, kind := range Kinds {
		s.streams[i] = cfg.Index.Prefix + "-" + kind + "-" + cfg.Index.Namespace
	}
	if cfg.Setup.OnStart {
		steps, err := Setup(ctx, client, cfg, log)
		if err != nil && !(errors.Is(err, ErrUnavailable) && cfg.Spool.Path != "") {
			return nil, err
		}
		if err != nil {
			log.Warn("elasticsearch: setup failed; events are spooled until the cluster answers", "err", err)
		}
		for _, st := range steps {
			if st.Result == Created || st.Result == Updated {
				log.Info("elasticsearch: setup", "kind", st.Kind, "name", st.Name, "result", st.Result)
			}
		}
	}
	if cfg.DeadLetter.File != "" {
		f, err := os.OpenFile(cfg.DeadLetter.File, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
		if err != nil {
			return nil, fmt.Errorf("elasticsearch.dead_letter.file: %w", err)
		}
		s.dlFile = f
	}
	if cfg.Spool.Path != "" {
		sp, err := spool.Open(cfg.Spool, log)
		if err != nil {
			return nil, fmt.Errorf("elasticsearch: %w", err)
		}
		s.spool = sp
		dctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		s.stop, s.drainDone = stop, make(chan struct{})
		go s.drain(dctx)
	}
	return s, nil
}

// Client returns the underlying client (for Setup and the Reader).
func (s *Sink) Client() *es.Client { return s.client }

// Snapshot copies the counters.
func (s *Sink) Snapshot() StatsSnapshot {
	st := &s.stats
	snap := StatsSnapshot{
		Acked: st.Acked.Load(), Duplicates: st.Duplicates.Load(), Retried: st.Retried.Load(),
		DeadLettered: st.DeadLettered.Load(), DeadLetterLost: st.DeadLetterLost.Load(),
		Spooled: st.Spooled.Load(), Drained: st.Drained.Load(), Requests: st.Requests.Load(),
		RequestErrors: st.RequestErrors.Load(), Splits: st.Splits.Load(),
	}
	if s.spool != nil {
		snap.SpoolPending = s.spool.Len()
	}
	return snap
}

// Index returns the index or data stream an event goes to: alerts, sessions (capture's
// network events) or auth (everything else).
func (s *Sink) Index(ev *borderwatch.Event) string {
	return IndexName(s.cfg.Index, ev)
}

// index is Index without building the name again in data stream mode.
func (s *Sink) index(ev *borderwatch.Event) string {
	if s.cfg.Index.Mode != ModeDataStream {
		return IndexName(s.cfg.Index, ev)
	}
	return s.streams[kindOf(ev)]
}

// IndexName is Sink.Index for a given index configuration.
func IndexName(c IndexConfig, ev *borderwatch.Event) string {
	name := c.Prefix + "-" + Kinds[kindOf(ev)] + "-" + c.Namespace
	if c.Mode == ModeIndex {
		name += "-" + ev.Timestamp.UTC().Format("2006.01.02")
	}
	return name
}

// kindOf is the event's position in Kinds: alerts, sessions (capture's network events) or
// auth (everything else).
func kindOf(ev *borderwatch.Event) int {
	switch {
	case ev.Event.Kind == borderwatch.KindAlert:
		return 2
	case ev.Event.Dataset == "borderwatch.flow" || ev.HasCategory(borderwatch.CategoryNetwork):
		return 0
	}
	return 1
}

// CopiesEvents reports true: Publish encodes every event into its own buffer, and the spool
// and the dead letters keep copies of those bodies.
func (s *Sink) CopiesEvents() bool { return true }

// maxArena is the largest body buffer kept from one Publish for the next.
const maxArena = 16 << 20

// Publish delivers evs; see Sink.
func (s *Sink) Publish(ctx context.Context, evs []*borderwatch.Event) error {
	if s.closed {
		return errors.New("elasticsearch: publish after close")
	}
	// All bodies of the batch go into one buffer, reused by the next Publish: nothing keeps a
	// body past Publish (the spool and the dead letters copy what they keep).
	arena, ends := s.arena[:0], s.ends[:0]
	for _, ev := range evs {
		arena = ev.AppendJSON(arena)
		ends = append(ends, len(arena))
	}
	docs := make([]doc, len(evs))
	start := 0
	for i, ev := range evs {
		docs[i] = doc{index: s.index(ev), id: ev.DocumentID(), body: arena[start:ends[i]:ends[i]]}
		start = ends[i]
	}
	if cap(arena) <= maxArena {
		s.arena, s.ends = arena, ends
	}
	if s.spool != nil && s.spool.Len() > 0 {
		return s.toSpool(ctx, docs)
	}
	attempts := s.cfg.Retry.Attempts
	rest, err := s.deliver(ctx, docs, attempts)
	if err == nil {
		return nil
	}
	if s.spool == nil || errors.Is(err, ErrAuth) || errors.Is(err, ErrTLS) || ctx.Err() != nil {
		return err
	}
	s.log.Warn("elasticsearch: unavailable; spooling to disk", "documents", len(rest), "err", err)
	return s.toSpool(ctx, rest)
}

// deliver sends docs until each is acknowledged, duplicate or dead, retrying the rest with
// backoff. attempts <= 0 retries until ctx ends. It returns what is left and why.
func (s *Sink) deliver(ctx context.Context, docs []doc, attempts int) ([]doc, error) {
	pending := docs
	for attempt := 1; len(pending) > 0; attempt++ {
		// A cluster that answered 429 or 5xx is pushing back: retries go one request at a time.
		workers := s.cfg.Workers
		if attempt > 1 {
			workers = 1
		}
		res := s.sendAll(ctx, pending, workers)
		var (
			retry   []doc
			dead    []doc
			deadRes []result
			lastErr error
			fatal   error
		)
		for i, r := range res {
			switch r.out {
			case outAck:
				s.stats.Acked.Add(1)
			case outDup:
				s.stats.Duplicates.Add(1)
			case outDead:
				dead, deadRes = append(dead, pending[i]), append(deadRes, r)
			case outRetry:
				retry = append(retry, pending[i])
				lastErr = r.err
				if lastErr == nil {
					lastErr = fmt.Errorf("%w: status %d: %s: %s", ErrUnavailable, r.status, r.typ, r.reason)
				}
			case outFatal:
				retry = append(retry, pending[i])
				fatal = r.err
				if fatal == nil {
					fatal = fmt.Errorf("%w: status %d: %s", ErrAuth, r.status, r.reason)
				}
			}
		}
		if len(dead) > 0 {
			s.deadLetter(ctx, dead, deadRes)
		}
		if fatal != nil {
			return retry, fmt.Errorf("elasticsearch: %w", fatal)
		}
		if len(retry) == 0 {
			return nil, nil
		}
		if attempts > 0 && attempt >= attempts {
			return retry, fmt.Errorf("elasticsearch: %d documents not delivered after %d attempts: %w", len(retry), attempt, lastErr)
		}
		s.stats.Retried.Add(uint64(len(retry)))
		wait := s.back.Wait(attempt)
		if attempt <= 3 || attempt%10 == 0 {
			s.log.Warn("elasticsearch: retrying", "documents", len(retry), "attempt", attempt, "wait", wait, "err", lastErr)
		}
		if err := sleep(ctx, wait); err != nil {
			return retry, err
		}
		pending = retry
	}
	return nil, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// toSpool appends docs to the spool, waiting while it is full (policy block).
func (s *Sink) toSpool(ctx context.Context, docs []doc) error {
	if len(docs) == 0 {
		return nil
	}
	recs := make([][]byte, len(docs))
	for i := range docs {
		recs[i] = docs[i].marshal()
	}
	warned := false
	for {
		err := s.spool.Append(recs)
		if err == nil {
			s.stats.Spooled.Add(uint64(len(docs)))
			return nil
		}
		if !errors.Is(err, spool.ErrFull) {
			return fmt.Errorf("elasticsearch: %w", err)
		}
		if !warned {
			s.log.Warn("elasticsearch: spool full; waiting for the cluster to take events", "pending", s.spool.Len())
			warned = true
		}
		if err := sleep(ctx, s.cfg.FlushInterval); err != nil {
			return fmt.Errorf("elasticsearch: spool full: %w", err)
		}
	}
}

// drain delivers spooled documents in order until ctx ends.
func (s *Sink) drain(ctx context.Context) {
	defer close(s.drainDone)
	tick := time.NewTicker(s.cfg.FlushInterval)
	defer tick.Stop()
	failures := 0
	for {
		if s.spool.Len() == 0 {
			select {
			case <-ctx.Done():
				return
			case <-s.spool.Ready():
			case <-tick.C:
			}
			continue
		}
		recs, err := s.spool.Peek(s.cfg.BulkMaxDocs*s.cfg.Workers, s.cfg.BulkMaxBytes*s.cfg.Workers)
		if err != nil {
			s.log.Error("elasticsearch: reading the spool", "err", err)
			if sleep(ctx, s.cfg.Retry.MaxBackoff) != nil {
				return
			}
			continue
		}
		docs := make([]doc, 0, len(recs))
		for _, r := range recs {
			if r == nil {
				continue // a damaged stretch, already counted and logged by the spool
			}
			d, err := unmarshalDoc(r)
			if err != nil {
				s.stats.DeadLetterLost.Add(1)
				s.log.Error("elasticsearch: unreadable spool record skipped", "err", err, "bytes", len(r))
				continue
			}
			docs = append(docs, d)
		}
		if _, err := s.deliver(ctx, docs, 0); err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			s.log.Error("elasticsearch: cannot drain the spool", "err", err, "pending", s.spool.Len())
			if sleep(ctx, s.back.Wait(failures)) != nil {
				return
			}
			continue
		}
		failures = 0
		if err := s.spool.Ack(len(recs)); err != nil {
			s.log.Error("elasticsearch: spool ack", "err", err)
			continue
		}
		s.stats.Drained.Add(uint64(len(docs)))
		if s.spool.Len() == 0 {
			s.log.Info("elasticsearch: spool drained")
		}
	}
}

// deadLetterDoc is what the dead-letter index and file hold for each refused document.
type deadLetterDoc struct {
	Timestamp  time.Time `json:"@timestamp"`
	Status     int       `json:"status"`
	Index      string    `json:"index"`
	DocumentID string    `json:"document_id,omitempty"`
	Error      struct {
		Type    string `json:"type,omitempty"`
		Message string `json:"message,omitempty"`
	} `json:"error"`
	Document string `json:"document"`
}

// deadLetter keeps refused documents with their reasons: in the dead-letter index, else (or
// when that fails) in the dead-letter file, else in the log; each is counted.
func (s *Sink) deadLetter(ctx context.Context, docs []doc, res []result) {
	now := time.Now().UTC()
	entries := make([]doc, len(docs))
	for i, d := range docs {
		e := deadLetterDoc{Timestamp: now, Status: res[i].status, Index: d.index, DocumentID: d.id, Document: string(d.body)}
		e.Error.Type, e.Error.Message = res[i].typ, res[i].reason
		b, _ := json.Marshal(e)
		entries[i] = doc{index: s.cfg.DeadLetter.Index, id: d.id, body: b}
		if n := s.stats.DeadLettered.Load(); n < 10 || n%1000 == 0 {
			s.log.Warn("elasticsearch: document refused", "index", d.index, "id", d.id, "status", res[i].status, "type", res[i].typ, "reason", res[i].reason)
		}
	}
	left := entries
	if s.cfg.DeadLetter.Index != "" {
		results := s.sendAll(ctx, entries, s.cfg.Workers)
		left = left[:0:0]
		for i, r := range results {
			if r.out == outAck || r.out == outDup {
				s.stats.DeadLettered.Add(1)
				continue
			}
			left = append(left, entries[i])
		}
	}
	if len(left) == 0 {
		return
	}
	if s.dlFile != nil {
		s.dlMu.Lock()
		var err error
		for _, e := range left {
			if _, err = s.dlFile.Write(append(e.body, '\n')); err != nil {
				break
			}
		}
		if err == nil {
			err = s.dlFile.Sync()
		}
		s.dlMu.Unlock()
		if err == nil {
			s.stats.DeadLettered.Add(uint64(len(left)))
			return
		}
		s.log.Error("elasticsearch: dead-letter file", "err", err)
	}
	for _, e := range left {
		s.stats.DeadLetterLost.Add(1)
		s.log.Error("elasticsearch: refused document not kept anywhere", "dead_letter", string(e.body))
	}
}

// Close waits up to ctx's deadline for the spool to drain (what is left stays on disk for the
// next start) and releases the sink.
func (s *Sink) Close(ctx context.Context) error {
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	if s.spool != nil {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
		}
		for s.spool.Len() > 0 && ctx.Err() == nil {
			_ = sleep(ctx, 50*time.Millisecond)
		}
		s.stop()
		<-s.drainDone
		if n := s.spool.Len(); n > 0 {
			s.log.Warn("elasticsearch: events left in the spool for the next start", "documents", n, "path", s.cfg.Spool.Path)
		}
		errs = append(errs, s.spool.Close())
	}
	if s.dlFile != nil {
		errs = append(errs, s.dlFile.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("elasticsearch: close: %w", err)
	}
	return nil
}
