package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrLocked is returned by Open when another process holds the state file.
var ErrLocked = errors.New("state file is in use by another process")

// formatVersion is written to the meta bucket; a file with another version is refused.
const formatVersion = "1"

const metaBucket = "_meta"

// Options configures a Store.
type Options struct {
	// MaxEntries caps the entries written per bucket by Replace; the rest are dropped and
	// counted in Stats.Dropped. 0 means no cap.
	MaxEntries int
	// LockTimeout is how long Open waits for another process to release the file (default 1s).
	LockTimeout time.Duration
	// ReadOnly opens the file without taking the write lock's exclusivity (for inspect).
	ReadOnly bool
}

// Store is a bbolt-backed state file. Entries are stored as an 8-byte big-endian expiry (Unix
// seconds; 0 = none) followed by the value. A Store is safe for concurrent use; values passed
// to callbacks are valid only during the callback.
type Store struct {
	db   *bolt.DB
	path string
	opts Options

	Stats Stats
}

// Stats counts what the store wrote, skipped and dropped.
type Stats struct {
	Written uint64 // entries written by Replace
	Expired uint64 // entries skipped by Load because they had expired
	Dropped uint64 // entries beyond MaxEntries not written
}

// Open opens or creates the state file at path. If another process holds it, Open waits up to
// LockTimeout and then fails with an error wrapping ErrLocked.
func Open(path string, opts Options) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if !opts.ReadOnly {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("state: %w", err)
			}
		}
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, ReadOnly: opts.ReadOnly, NoFreelistSync: true})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("state %s: %w (waited %s; stop the other borderwatch run or point rules.state.path elsewhere)", path, ErrLocked, opts.LockTimeout)
		}
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	s := &Store{db: db, path: path, opts: opts}
	if err := s.checkVersion(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) checkVersion() error {
	if s.opts.ReadOnly {
		return s.db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte(metaBucket))
			if b == nil {
				return nil
			}
			if v := b.Get([]byte("version")); v != nil && string(v) != formatVersion {
				return fmt.Errorf("state %s: format version %q, this borderwatch reads %q", s.path, v, formatVersion)
			}
			return nil
		})
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(metaBucket))
		if err != nil {
			return err
		}
		if v := b.Get([]byte("version")); v != nil && string(v) != formatVersion {
			return fmt.Errorf("state %s: format version %q, this borderwatch reads %q; run `borderwatch state reset`", s.path, v, formatVersion)
		}
		return b.Put([]byte("version"), []byte(formatVersion))
	})
}

// Path returns the file's path.
func (s *Store) Path() string { return s.path }

// Close releases the file and its lock.
func (s *Store) Close() error { return s.db.Close() }

// Load calls fn for every entry of bucket that has not expired at now.
func (s *Store) Load(bucket string, now time.Time, fn func(key string, value []byte) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			exp, val, ok := decode(v)
			if !ok {
				return fmt.Errorf("state %s: bucket %s: key %q: entry shorter than its header", s.path, bucket, k)
			}
			if !exp.IsZero() && !now.Before(exp) {
				s.Stats.Expired++
				return nil
			}
			return fn(string(k), val)
		})
	})
}

// Each calls fn for every entry of bucket, expired or not, with its expiry.
func (s *Store) Each(bucket string, fn func(key string, value []byte, expires time.Time) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return fmt.Errorf("state %s: no bucket %q", s.path, bucket)
		}
		return b.ForEach(func(k, v []byte) error {
			exp, val, ok := decode(v)
			if !ok {
				return fmt.Errorf("state %s: bucket %s: key %q: entry shorter than its header", s.path, bucket, k)
			}
			return fn(string(k), val, exp)
		})
	})
}

// Replace atomically replaces the contents of bucket with what fill puts, and records when.
func (s *Store) Replace(bucket string, now time.Time, fill func(put func(key string, value []byte, expires time.Time) error) error) error {
	if bucket == metaBucket || bucket == "" {
		return fmt.Errorf("state: bucket name %q is reserved", bucket)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(bucket)) != nil {
			if err := tx.DeleteBucket([]byte(bucket)); err != nil {
				return err
			}
		}
		b, err := tx.CreateBucket([]byte(bucket))
		if err != nil {
			return err
		}
		b.FillPercent = 0.9
		n := 0
		err = fill(func(key string, value []byte, expires time.Time) error {
			if s.opts.MaxEntries > 0 && n >= s.opts.MaxEntries {
				s.Stats.Dropped++
				return nil
			}
			n++
			// bbolt keeps the slices until the transaction commits: one allocation per entry.
			if err := b.Put([]byte(key), encode(make([]byte, 0, 8+len(value)), expires, value)); err != nil {
				return fmt.Errorf("state: bucket %s: key %q: %w", bucket, key, err)
			}
			s.Stats.Written++
			return nil
		})
		if err != nil {
			return err
		}
		meta := tx.Bucket([]byte(metaBucket))
		return meta.Put([]byte("saved:"+bucket), []byte(now.UTC().Format(time.RFC3339)))
	})
}

// BucketInfo summarizes one bucket.
type BucketInfo struct {
	Name    string    `json:"name"`
	Entries int       `json:"entries"`
	Bytes   int       `json:"bytes"` // keys and values
	Saved   time.Time `json:"saved,omitzero"`
}

// Buckets lists the buckets with their sizes, sorted by name.
func (s *Store) Buckets() ([]BucketInfo, error) {
	var out []BucketInfo
	err := s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte(metaBucket))
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if string(name) == metaBucket {
				return nil
			}
			info := BucketInfo{Name: string(name)}
			if meta != nil {
				if v := meta.Get([]byte("saved:" + string(name))); v != nil {
					info.Saved, _ = time.Parse(time.RFC3339, string(v))
				}
			}
			err := b.ForEach(func(k, v []byte) error {
				info.Entries++
				info.Bytes += len(k) + len(v)
				return nil
			})
			out = append(out, info)
			return err
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// Reset deletes the named buckets, or every bucket when none are named.
func (s *Store) Reset(buckets ...string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if len(buckets) == 0 {
			var all []string
			_ = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
				if string(name) != metaBucket {
					all = append(all, string(name))
				}
				return nil
			})
			buckets = all
		}
		meta := tx.Bucket([]byte(metaBucket))
		for _, b := range buckets {
			if err := tx.DeleteBucket([]byte(b)); err != nil {
				if errors.Is(err, bolterrors.ErrBucketNotFound) {
					return fmt.Errorf("state %s: no bucket %q", s.path, b)
				}
				return err
			}
			if meta != nil {
				_ = meta.Delete([]byte("saved:" + b))
			}
		}
		return nil
	})
}

func encode(dst []byte, expires time.Time, value []byte) []byte {
	var sec int64
	if !expires.IsZero() {
		sec = expires.Unix()
	}
	dst = binary.BigEndian.AppendUint64(dst, uint64(sec))
	return append(dst, value...)
}

func decode(v []byte) (time.Time, []byte, bool) {
	if len(v) < 8 {
		return time.Time{}, nil, false
	}
	sec := int64(binary.BigEndian.Uint64(v))
	var t time.Time
	if sec != 0 {
		t = time.Unix(sec, 0).UTC()
	}
	return t, v[8:], true
}
