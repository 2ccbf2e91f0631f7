package elasticsearch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/borderwatch/borderwatch"
	es "github.com/elastic/go-elasticsearch/v8"
)

var _ borderwatch.Source = (*Reader)(nil)

// Query selects the authentication events a Reader returns.
type Query struct {
	Since, Until time.Time     // window [Since, Until); a zero bound is open
	Users        []string      // only these user.name values (all when empty)
	Index        string        // index pattern; default <prefix>-auth-*
	PageSize     int           // hits per page; default 1000
	KeepAlive    time.Duration // point-in-time keep-alive between pages; default 2m
	Order        string        // OrderUserTime (default) or OrderTime
}

// Orders of the events a Reader returns.
const (
	// OrderUserTime sorts by user.name, then @timestamp: each user's history in one run, for
	// per-user rules (impossible travel, new country) over a long window.
	OrderUserTime = "user_time"
	// OrderTime sorts by @timestamp only, as the events happened: for rules that compare users
	// with each other (many accounts behind one address).
	OrderTime = "time"
)

// ReaderStats are the Reader's counters, safe to read at any time.
type ReaderStats struct {
	Pages     atomic.Uint64 // search pages fetched
	Events    atomic.Uint64 // events emitted
	Malformed atomic.Uint64 // hits that did not decode into an event (rejected with their _id)
}

// Reader reads authentication events back from Elasticsearch for a time window, ordered by
// user.name and then @timestamp (events without a user come last) or by time alone (Query.Order),
// so that audit can judge the events of several sensors together. It opens a point in time, pages through it with
// search_after and closes it, so the result is a consistent snapshot even while sensors keep
// indexing. It is a borderwatch.Source; Run may be called more than once, not concurrently.
// Create it with NewReader; the zero value is not usable.
type Reader struct {
	client *es.Client
	q      Query
	log    *slog.Logger
	stats  ReaderStats
}

// NewReader returns a Reader of q over client; cfg supplies the index prefix.
func NewReader(client *es.Client, cfg Config, q Query, log *slog.Logger) *Reader {
	if log == nil {
		log = slog.Default()
	}
	if q.Index == "" {
		q.Index = cfg.Index.Prefix + "-" + KindAuth + "-*"
	}
	if q.PageSize <= 0 {
		q.PageSize = 1000
	}
	if q.KeepAlive <= 0 {
		q.KeepAlive = 2 * time.Minute
	}
	return &Reader{client: client, q: q, log: log}
}

// Name names the source in logs and counters.
func (r *Reader) Name() string { return "elasticsearch:" + r.q.Index }

// Stats returns the counters.
func (r *Reader) Stats() *ReaderStats { return &r.stats }

type searchHit struct {
	Index  string          `json:"_index"`
	ID     string          `json:"_id"`
	Source json.RawMessage `json:"_source"`
	Sort   []any           `json:"sort"`
}

type searchPage struct {
	PitID string `json:"pit_id"`
	Hits  struct {
		Hits []searchHit `json:"hits"`
	} `json:"hits"`
}

// query is the search body without pit and search_after.
func (r *Reader) query() map[string]any {
	filter := []any{map[string]any{"term": map[string]any{"event.category": borderwatch.CategoryAuthentication}}}
	rng := map[string]any{}
	if !r.q.Since.IsZero() {
		rng["gte"] = r.q.Since.UTC().Format(time.RFC3339Nano)
	}
	if !r.q.Until.IsZero() {
		rng["lt"] = r.q.Until.UTC().Format(time.RFC3339Nano)
	}
	if len(rng) > 0 {
		filter = append(filter, map[string]any{"range": map[string]any{"@timestamp": rng}})
	}
	if len(r.q.Users) > 0 {
		filter = append(filter, map[string]any{"terms": map[string]any{"user.name": r.q.Users}})
	}
	sort := []any{
		map[string]any{"@timestamp": map[string]any{"order": "asc", "format": "strict_date_optional_time_nanos"}},
		map[string]any{"_shard_doc": "asc"},
	}
	if r.q.Order != OrderTime {
		sort = append([]any{map[string]any{"user.name": map[string]any{"order": "asc", "missing": "_last"}}}, sort...)
	}
	return map[string]any{
		"size":             r.q.PageSize,
		"track_total_hits": false,
		"query":            map[string]any{"bool": map[string]any{"filter": filter}},
		"sort":             sort,
	}
}

// Run emits every matching event in order and returns at the end (nil), when ctx ends, or on
// an error talking to the cluster. A hit that does not decode is rejected with its index and
// id, not fatal.
func (r *Reader) Run(ctx context.Context, out borderwatch.Emitter) error {
	keep := fmt.Sprintf("%ds", max(1, int64(r.q.KeepAlive/time.Second)))
	status, body, err := do(ctx, r.client, http.MethodPost, "/"+url.PathEscape(r.q.Index)+"/_pit?keep_alive="+keep+"&ignore_unavailable=true", nil)
	if err != nil {
		return fmt.Errorf("elasticsearch reader: open point in time: %w", err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("elasticsearch reader: open point in time on %s: %w", r.q.Index, statusError(status, body))
	}
	var pit struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &pit); err != nil || pit.ID == "" {
		return fmt.Errorf("elasticsearch reader: open point in time: unexpected answer %.200s", body)
	}
	pitID := pit.ID
	defer func() {
		b, _ := json.Marshal(map[string]string{"id": pitID})
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if st, resp, err := do(cctx, r.client, http.MethodDelete, "/_pit", b); err != nil || st != http.StatusOK {
			r.log.Warn("elasticsearch reader: closing the point in time failed; it expires by itself", "status", st, "err", err, "answer", string(resp))
		}
	}()

	q := r.query()
	var after []any
	for {
		q["pit"] = map[string]any{"id": pitID, "keep_alive": keep}
		if after != nil {
			q["search_after"] = after
		}
		b, _ := json.Marshal(q)
		status, body, err := do(ctx, r.client, http.MethodPost, "/_search", b)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("elasticsearch reader: search: %w", err)
		}
		if status != http.StatusOK {
			return fmt.Errorf("elasticsearch reader: search: %w", statusError(status, body))
		}
		var page searchPage
		if err := json.Unmarshal(body, &page); err != nil {
			return fmt.Errorf("elasticsearch reader: search answer: %w", err)
		}
		r.stats.Pages.Add(1)
		if page.PitID != "" {
			pitID = page.PitID
		}
		hits := page.Hits.Hits
		for i := range hits {
			h := &hits[i]
			ev := new(borderwatch.Event)
			if err := json.Unmarshal(h.Source, ev); err != nil {
				r.stats.Malformed.Add(1)
				rej := borderwatch.Rejected{Format: "elasticsearch", Where: h.Index + "/" + h.ID, Raw: h.Source, Err: err}
				if err := out.Reject(ctx, rej); err != nil {
					return nilIfCanceled(ctx, err)
				}
				continue
			}
			if err := out.Emit(ctx, ev); err != nil {
				return nilIfCanceled(ctx, err)
			}
			r.stats.Events.Add(1)
		}
		if len(hits) < r.q.PageSize {
			return nil
		}
		after = hits[len(hits)-1].Sort
		if len(after) == 0 {
			return errors.New("elasticsearch reader: hits carry no sort values")
		}
	}
}

func nilIfCanceled(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}
