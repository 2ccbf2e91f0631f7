package elasticsearch

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// doc is one document ready for the bulk API.
type doc struct {
	index string
	id    string
	body  []byte // the JSON document
}

// size approximates the document's share of a bulk body.
func (d *doc) size() int { return len(d.index) + len(d.id) + len(d.body) + 40 }

// Spool records: version byte 1, uvarint length + index, uvarint length + id, the JSON body.
func (d *doc) marshal() []byte {
	b := make([]byte, 0, 1+2*binary.MaxVarintLen32+len(d.index)+len(d.id)+len(d.body))
	b = append(b, 1)
	b = binary.AppendUvarint(b, uint64(len(d.index)))
	b = append(b, d.index...)
	b = binary.AppendUvarint(b, uint64(len(d.id)))
	b = append(b, d.id...)
	return append(b, d.body...)
}

var errBadRecord = errors.New("bad spool record")

func unmarshalDoc(b []byte) (doc, error) {
	if len(b) < 1 || b[0] != 1 {
		return doc{}, fmt.Errorf("%w: unknown version", errBadRecord)
	}
	b = b[1:]
	field := func() (string, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return "", fmt.Errorf("%w: bad length", errBadRecord)
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s, nil
	}
	index, err := field()
	if err != nil {
		return doc{}, err
	}
	id, err := field()
	if err != nil {
		return doc{}, err
	}
	if index == "" || !json.Valid(b) {
		return doc{}, fmt.Errorf("%w: no index or invalid JSON", errBadRecord)
	}
	return doc{index: index, id: id, body: b}, nil
}

// outcome classifies one document's bulk result.
type outcome uint8

const (
	outAck   outcome = iota // 2xx: indexed
	outDup                  // 409 on create: already there
	outRetry                // 429, 5xx, unreachable: try again later
	outDead                 // other 4xx: never succeeds
	outFatal                // credentials or TLS: stop
)

type result struct {
	out    outcome
	status int
	typ    string
	reason string
	err    error // request-level error behind outRetry/outFatal
}

type bulkItem struct {
	Status int `json:"status"`
	Error  *struct {
		Type     string `json:"type"`
		Reason   string `json:"reason"`
		CausedBy *struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		} `json:"caused_by"`
	} `json:"error"`
}

type bulkResponse struct {
	Errors bool                  `json:"errors"`
	Items  []map[string]bulkItem `json:"items"`
}

func classify(status int) outcome {
	switch {
	case status >= 200 && status < 300:
		return outAck
	case status == http.StatusConflict:
		return outDup
	case status == http.StatusTooManyRequests || status >= 500:
		return outRetry
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return outFatal
	default:
		return outDead
	}
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// minSplitDocs is the smallest bulk request a batch is split into so that several workers
// index it at once: below it, the per-request cost outweighs the parallelism.
const minSplitDocs = 128

// chunkDocs is how many documents go into one bulk request when n are sent at once: n split
// evenly over the workers (so that a batch smaller than bulk_max_docs still keeps every
// worker, and every core of a node on the same machine, busy), at least minSplitDocs and at
// most bulk_max_docs.
func chunkDocs(n, workers, maxDocs int) int {
	per := (n + workers - 1) / max(workers, 1)
	return max(min(max(per, minSplitDocs), maxDocs), 1)
}

// sendAll sends docs in bulk requests of at most BulkMaxDocs documents and BulkMaxBytes
// bytes, workers at a time, and returns one result per document. A batch that would fit in
// one request is split over the workers (see chunkDocs).
func (s *Sink) sendAll(ctx context.Context, docs []doc, workers int) []result {
	res := make([]result, len(docs))
	var chunks [][2]int
	per := chunkDocs(len(docs), workers, s.cfg.BulkMaxDocs)
	start, bytes := 0, 0
	for i := range docs {
		sz := docs[i].size()
		if i > start && (i-start >= per || bytes+sz > s.cfg.BulkMaxBytes) {
			chunks = append(chunks, [2]int{start, i})
			start, bytes = i, 0
		}
		bytes += sz
	}
	if start < len(docs) {
		chunks = append(chunks, [2]int{start, len(docs)})
	}
	if len(chunks) == 1 {
		s.sendChunk(ctx, docs, res)
		return res
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for _, c := range chunks {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			s.sendChunk(ctx, docs[c[0]:c[1]], res[c[0]:c[1]])
		}()
	}
	wg.Wait()
	return res
}

// sendChunk sends one bulk request and fills res. A 413 splits the chunk in halves; a single
// document too large for the cluster is dead.
func (s *Sink) sendChunk(ctx context.Context, docs []doc, res []result) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	for i := range docs {
		buf.WriteString(`{"create":{"_index":`)
		buf.Write(strconv.AppendQuote(buf.AvailableBuffer(), docs[i].index))
		if docs[i].id != "" {
			buf.WriteString(`,"_id":`)
			buf.Write(strconv.AppendQuote(buf.AvailableBuffer(), docs[i].id))
		}
		buf.WriteString("}}\n")
		buf.Write(docs[i].body)
		buf.WriteByte('\n')
	}
	s.stats.Requests.Add(1)
	status, body, err := s.bulk(ctx, buf.Bytes())
	fill := func(r result) {
		for i := range res {
			res[i] = r
		}
	}
	switch {
	case err != nil:
		s.stats.RequestErrors.Add(1)
		o := outRetry
		if errors.Is(err, ErrTLS) {
			o = outFatal
		}
		fill(result{out: o, err: err})
		return
	case status == http.StatusRequestEntityTooLarge:
		if len(docs) == 1 {
			fill(result{out: outDead, status: status, typ: "request_entity_too_large",
				reason: fmt.Sprintf("the document (%d bytes) is larger than the cluster's http.max_content_length", len(docs[0].body))})
			return
		}
		s.stats.Splits.Add(1)
		half := len(docs) / 2
		s.sendChunk(ctx, docs[:half], res[:half])
		s.sendChunk(ctx, docs[half:], res[half:])
		return
	case status != http.StatusOK:
		serr := statusError(status, body)
		var se *StatusError
		errors.As(serr, &se)
		o := classify(status)
		if o == outDead {
			// A whole request refused for a reason that is not about one document.
			o = outRetry
		}
		fill(result{out: o, status: status, typ: se.Type, reason: se.Reason, err: serr})
		return
	}
	if i := bytes.Index(body[:min(len(body), 64)], []byte(`"errors":false`)); i >= 0 {
		fill(result{out: outAck, status: 201})
		return
	}
	var br bulkResponse
	if err := json.Unmarshal(body, &br); err != nil || len(br.Items) != len(docs) {
		if err == nil {
			err = fmt.Errorf("bulk response has %d items for %d documents", len(br.Items), len(docs))
		}
		fill(result{out: outRetry, err: fmt.Errorf("%w: %w", ErrUnavailable, err)})
		return
	}
	for i, m := range br.Items {
		var it bulkItem
		for _, v := range m {
			it = v
		}
		r := result{out: classify(it.Status), status: it.Status}
		if it.Error != nil {
			r.typ, r.reason = it.Error.Type, it.Error.Reason
			if c := it.Error.CausedBy; c != nil && c.Reason != "" {
				r.reason += ": " + c.Type + ": " + c.Reason
			}
		}
		res[i] = r
	}
}

// bulkPath asks only for what classification reads: a smaller answer for the node to write
// and for the sink to read.
const bulkPath = "/_bulk?filter_path=errors,items.*.status,items.*.error"

// bulk posts one body to /_bulk.
func (s *Sink) bulk(ctx context.Context, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, bulkPath, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	res, err := s.client.Perform(req)
	if err != nil {
		return 0, nil, classifyTransportError(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: reading the bulk response: %w", ErrUnavailable, err)
	}
	return res.StatusCode, b, nil
}
