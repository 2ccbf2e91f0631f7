package iprange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// FetchStatus says what Fetch did with one list.
type FetchStatus string

// Fetch outcomes.
const (
	FetchUpdated     FetchStatus = "updated"
	FetchNotModified FetchStatus = "not_modified"
	FetchFailed      FetchStatus = "failed"
	FetchNoURL       FetchStatus = "no_url"
)

// FetchResult is the outcome for one list.
type FetchResult struct {
	List     string
	URL      string
	Path     string
	Status   FetchStatus
	Bytes    int64
	Prefixes int
	ASNs     int
	Bad      int
	Err      error
}

// fetchMeta is kept beside each downloaded file (<path>.meta) for conditional requests.
type fetchMeta struct {
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Fetched      time.Time `json:"fetched"`
}

// Fetcher downloads range lists. The zero value is not usable; fill Client and Config.
type Fetcher struct {
	Client *http.Client // nil: a client with Config.Timeout
	Config FetchConfig
}

// FetchAll downloads every list in lists that has a URL, one after another, and returns one
// result per list. A failed download leaves the previous file untouched.
func (f *Fetcher) FetchAll(ctx context.Context, lists []ListConfig) []FetchResult {
	out := make([]FetchResult, 0, len(lists))
	for _, l := range lists {
		out = append(out, f.Fetch(ctx, l))
	}
	return out
}

// Fetch downloads one list to l.Path: a conditional GET (If-None-Match / If-Modified-Since
// from the previous download), bounded by Config.Timeout and Config.MaxBytes; the body must
// parse in the list's format with at least one entry; then it replaces the file atomically
// (temporary file in the same directory, fsync, rename).
func (f *Fetcher) Fetch(ctx context.Context, l ListConfig) FetchResult {
	r := FetchResult{List: l.Name, URL: l.URL, Path: l.Path}
	if l.URL == "" {
		r.Status = FetchNoURL
		return r
	}
	if err := f.fetch(ctx, l, &r); err != nil {
		r.Status, r.Err = FetchFailed, fmt.Errorf("ranges fetch %s: %w", l.Name, err)
	}
	return r
}

func (f *Fetcher) fetch(ctx context.Context, l ListConfig, r *FetchResult) error {
	client := f.Client
	if client == nil {
		client = &http.Client{Timeout: f.Config.Timeout}
	}
	if f.Config.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.Config.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.URL, nil)
	if err != nil {
		return err
	}
	if f.Config.UserAgent != "" {
		req.Header.Set("User-Agent", f.Config.UserAgent)
	}
	metaPath := l.Path + ".meta"
	var meta fetchMeta
	if _, statErr := os.Stat(l.Path); statErr == nil {
		if b, err := os.ReadFile(metaPath); err == nil && json.Unmarshal(b, &meta) == nil && meta.URL == l.URL {
			if meta.ETag != "" {
				req.Header.Set("If-None-Match", meta.ETag)
			}
			if meta.LastModified != "" {
				req.Header.Set("If-Modified-Since", meta.LastModified)
			}
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		r.Status = FetchNotModified
		return nil
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("%s: HTTP %s", l.URL, resp.Status)
	}
	max := f.Config.MaxBytes
	if max <= 0 {
		max = MaxFileSize
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return fmt.Errorf("%s: %w", l.URL, err)
	}
	if int64(len(body)) > max {
		return fmt.Errorf("%s: larger than enrich.ranges.fetch.max_bytes (%d)", l.URL, max)
	}
	format, _ := ParseFormat(l.Format)
	p, err := Parse(body, format, l.Services)
	if err != nil {
		return fmt.Errorf("%s: download is not a valid list: %w", l.URL, err)
	}
	if len(p.Prefixes)+len(p.ASNs) == 0 {
		return fmt.Errorf("%s: download holds no usable entry (%d bad lines); keeping the previous file", l.URL, p.Bad)
	}
	if err := writeAtomic(l.Path, body); err != nil {
		return err
	}
	meta = fetchMeta{URL: l.URL, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Fetched: time.Now().UTC()}
	mb, _ := json.Marshal(meta)
	if err := writeAtomic(metaPath, mb); err != nil {
		return err
	}
	r.Status, r.Bytes, r.Prefixes, r.ASNs, r.Bad = FetchUpdated, int64(len(body)), len(p.Prefixes), len(p.ASNs), p.Bad
	return nil
}

// writeAtomic replaces path with data so that a reader sees either the old or the new file.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return errors.Join(err, os.Remove(tmp.Name()))
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
