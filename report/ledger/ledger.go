// Package ledger remembers, across scheduled audit runs, which events an audit has already
// evaluated and which alerts it has already delivered, so that re-running a window (or
// overlapping windows, such as --last 24h every 12 hours) neither feeds the rules' persisted
// state the same events twice nor writes the same alert twice. It is a bbolt file with one
// bucket per event day, so that old days are pruned whole.
package ledger

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch"
	bolt "go.etcd.io/bbolt"
)

const (
	eventsBucket = "events" // day → event id → run stamp
	alertsBucket = "alerts" // day → alert id → run stamp + alert JSON
	dayLayout    = "2006-01-02"
	flushEvery   = 20_000
)

// Stats count what the ledger did in this run.
type Stats struct {
	Evaluated     uint64 // events marked evaluated in this run
	Repeated      uint64 // events an earlier run had evaluated
	Delivered     uint64 // alerts recorded as delivered in this run
	Duplicates    uint64 // alerts an earlier run had delivered
	PrunedDays    int    // day buckets older than the retention removed at Open
	RecalledAlert uint64 // earlier alerts returned by Alerts
}

// Ledger is safe for concurrent use. Open it with Open and Close it to commit.
type Ledger struct {
	db        *bolt.DB
	run       [8]byte // this run's stamp
	log       *slog.Logger
	mu        sync.Mutex
	pendingEv map[string]map[string]struct{} // day → ids not yet committed
	npending  int
	stats     Stats
}

// Open opens or creates the ledger at path and drops day buckets older than retain before
// now. It fails if another process holds the file for more than a few seconds.
func Open(path string, retain time.Duration, now time.Time, log *slog.Logger) (*Ledger, error) {
	if retain <= 0 {
		return nil, fmt.Errorf("ledger: retention must be > 0, e.g. 720h")
	}
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	db, err := bolt.Open(path, 0o640, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("ledger: open %s: %w", path, err)
	}
	l := &Ledger{db: db, log: log, pendingEv: map[string]map[string]struct{}{}}
	binary.BigEndian.PutUint64(l.run[:], uint64(now.UnixNano()))
	cutoff := now.Add(-retain).UTC().Format(dayLayout)
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{eventsBucket, alertsBucket} {
			b, err := tx.CreateBucketIfNotExists([]byte(name))
			if err != nil {
				return err
			}
			var old [][]byte
			b.ForEachBucket(func(k []byte) error {
				if string(k) < cutoff {
					old = append(old, append([]byte(nil), k...))
				}
				return nil
			})
			for _, k := range old {
				if err := b.DeleteBucket(k); err != nil {
					return err
				}
				if name == eventsBucket {
					l.stats.PrunedDays++
				}
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("ledger: %s: %w", path, err)
	}
	return l, nil
}

func day(t time.Time) string { return t.UTC().Format(dayLayout) }

// earlier reports whether the value was written by another run than this one.
func (l *Ledger) earlier(v []byte) bool { return len(v) >= 8 && string(v[:8]) != string(l.run[:]) }

// SeenEarlier reports whether an earlier run evaluated the event with this id and time.
func (l *Ledger) SeenEarlier(id string, ts time.Time) bool {
	var seen bool
	l.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(eventsBucket)).Bucket([]byte(day(ts))); b != nil {
			seen = l.earlier(b.Get([]byte(id)))
		}
		return nil
	})
	return seen
}

// Evaluate records that this run evaluates the event and reports whether it should: false
// when an earlier run evaluated it, or this run already did (the same record read twice).
func (l *Ledger) Evaluate(id string, ts time.Time) (bool, error) {
	d := day(ts)
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.pendingEv[d][id]; ok {
		l.stats.Repeated++
		return false, nil
	}
	var v []byte
	l.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(eventsBucket)).Bucket([]byte(d)); b != nil {
			v = append(v, b.Get([]byte(id))...)
		}
		return nil
	})
	if v != nil {
		l.stats.Repeated++
		return false, nil
	}
	if l.pendingEv[d] == nil {
		l.pendingEv[d] = map[string]struct{}{}
	}
	l.pendingEv[d][id] = struct{}{}
	l.npending++
	l.stats.Evaluated++
	if l.npending >= flushEvery {
		return true, l.flushLocked()
	}
	return true, nil
}

func (l *Ledger) flushLocked() error {
	if l.npending == 0 {
		return nil
	}
	err := l.db.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte(eventsBucket))
		for d, ids := range l.pendingEv {
			b, err := root.CreateBucketIfNotExists([]byte(d))
			if err != nil {
				return err
			}
			for id := range ids {
				if err := b.Put([]byte(id), l.run[:]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	clear(l.pendingEv)
	l.npending = 0
	return nil
}

// Deliver reports which of alerts an earlier run has not delivered yet, and records them as
// delivered by this run. Call it once the sinks have the alerts.
func (l *Ledger) Deliver(alerts []*borderwatch.Event) (fresh []*borderwatch.Event, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	err = l.db.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte(alertsBucket))
		for _, a := range alerts {
			id := a.DocumentID()
			b, err := root.CreateBucketIfNotExists([]byte(day(a.Timestamp)))
			if err != nil {
				return err
			}
			if v := b.Get([]byte(id)); v != nil {
				if l.earlier(v) {
					l.stats.Duplicates++
					continue
				}
				// Delivered earlier in this run (a rule repeating itself): keep it once.
				continue
			}
			doc, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(id), append(l.run[:len(l.run):len(l.run)], doc...)); err != nil {
				return err
			}
			l.stats.Delivered++
			fresh = append(fresh, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return fresh, nil
}

// Delivered reports whether an alert with this id and time was delivered by an earlier run.
func (l *Ledger) Delivered(id string, ts time.Time) bool {
	var found bool
	l.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(alertsBucket)).Bucket([]byte(day(ts))); b != nil {
			found = l.earlier(b.Get([]byte(id)))
		}
		return nil
	})
	return found
}

// Alerts returns the alerts earlier runs delivered with a time in [since, until) (zero
// bounds are open), for a report of a window that was audited before.
func (l *Ledger) Alerts(since, until time.Time) ([]*borderwatch.Event, error) {
	var out []*borderwatch.Event
	err := l.db.View(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte(alertsBucket))
		return root.ForEachBucket(func(k []byte) error {
			d := string(k)
			if !since.IsZero() && d < day(since) || !until.IsZero() && d > day(until) {
				return nil
			}
			return root.Bucket(k).ForEach(func(id, v []byte) error {
				if !l.earlier(v) {
					return nil
				}
				var a borderwatch.Event
				if err := json.Unmarshal(v[8:], &a); err != nil {
					return fmt.Errorf("alert %s: %w", id, err)
				}
				if !since.IsZero() && a.Timestamp.Before(since) || !until.IsZero() && !a.Timestamp.Before(until) {
					return nil
				}
				out = append(out, &a)
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	l.mu.Lock()
	l.stats.RecalledAlert += uint64(len(out))
	l.mu.Unlock()
	return out, nil
}

// Stats returns the counters.
func (l *Ledger) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Close commits what is pending and closes the file.
func (l *Ledger) Close() error {
	l.mu.Lock()
	err := l.flushLocked()
	l.mu.Unlock()
	return errors.Join(err, l.db.Close())
}
