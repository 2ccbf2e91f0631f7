package geoip

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/borderwatch/borderwatch"

	"github.com/borderwatch/borderwatch/enrich/geoip/demodb"
	"github.com/borderwatch/borderwatch/enrich/geoip/internal/records"
	"github.com/borderwatch/borderwatch/enrich/netdir"
)

// loopbackProbe is looked up once at open time to check that a database serves a method.
var loopbackProbe = netip.MustParseAddr("127.0.0.1")

// wellKnown lists the file names searched for in Config.Directories, best first. A name
// with a '*' is a glob; the lexically last match (the newest monthly DB-IP file) wins.
var wellKnown = map[Kind][]string{
	KindCity: {"GeoIP2-City.mmdb", "GeoLite2-City.mmdb", "dbip-city-lite*.mmdb",
		"GeoIP2-Country.mmdb", "GeoLite2-Country.mmdb", "dbip-country-lite*.mmdb"},
	KindASN:         {"GeoIP2-ISP.mmdb", "GeoLite2-ASN.mmdb", "dbip-asn-lite*.mmdb"},
	KindAnonymousIP: {"GeoIP2-Anonymous-IP.mmdb"},
}

// source is one opened database file. It is immutable once published.
type source struct {
	kind   Kind
	path   string // file path, or "demo" for the bundled data
	dbType string
	reader *maxminddb.Reader
	info   fs.FileInfo // nil for the bundled data
	built  time.Time
	// decoded caches decoded records by their offset in the data section: many addresses
	// (every address of a network, every network of a city) share one record.
	decoded *lru.Cache[uintptr, decoded]
}

// decoded is one record as borderwatch uses it.
type decoded struct {
	geo        *borderwatch.Geo
	registered string
	as         *borderwatch.AS
	anon       uint8
}

// recordCacheSize bounds each database's cache of decoded records.
const recordCacheSize = 32768

// Source describes one database in use.
type Source struct {
	Kind         Kind      `json:"kind"`
	Path         string    `json:"path"`
	DatabaseType string    `json:"database_type"`
	BuildTime    time.Time `json:"build_time"`
	Demo         bool      `json:"demo,omitempty"`
}

// DB answers City, ASN and Anonymous-IP questions from whichever databases are configured.
// Lookups are safe for concurrent use and never wait for Reload: a replaced file is opened
// beside the old one and swapped in atomically. The zero value is not usable; use Open.
type DB struct {
	cfg   Config
	log   *slog.Logger
	srcs  [KindAnonymousIP + 1]atomic.Pointer[source]
	paths [KindAnonymousIP + 1]string // the file watched for each kind ("" = none)
	demo  bool
	mu    sync.Mutex // serializes Reload
	// refused is the file last refused for each kind, so that it is reported once and not
	// read again until it changes.
	refused [KindAnonymousIP + 1]fs.FileInfo
	errors  atomic.Uint64
	// counters of the decoded-record caches, shared by all sources and kept across reloads
	recHits, recMisses, recEvictions atomic.Uint64
}

// RecordCacheStats are the counters of the per-database caches of decoded records.
type RecordCacheStats struct {
	Hits, Misses, Evictions uint64
}

// RecordCacheStats returns the decoded-record cache counters.
func (d *DB) RecordCacheStats() RecordCacheStats {
	return RecordCacheStats{Hits: d.recHits.Load(), Misses: d.recMisses.Load(), Evictions: d.recEvictions.Load()}
}

// Open opens the configured databases, searching cfg.Directories for those not configured,
// and falls back to the bundled demo data when neither a City nor an ASN database exists.
// A configured file that is missing or of the wrong type is an error naming the file.
func Open(cfg Config, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &DB{cfg: cfg, log: log}
	configured := [...]string{KindCity: cfg.City, KindASN: cfg.ASN, KindAnonymousIP: cfg.AnonymousIP}
	for k := KindCity; k <= KindAnonymousIP; k++ {
		p := configured[k]
		if p == "" {
			p = find(cfg.Directories, k)
		}
		if p == "" {
			continue
		}
		src, err := openFile(p, k, &d.recEvictions)
		if err != nil {
			if configured[k] != "" {
				return nil, fmt.Errorf("enrich.geoip.%s: %w", k, err)
			}
			return nil, fmt.Errorf("found in %s: %w", filepath.Dir(p), err)
		}
		d.paths[k] = p
		d.srcs[k].Store(src)
		log.Info("geoip database opened", "kind", k.String(), "path", p, "type", src.dbType, "built", src.built.Format(time.DateOnly))
	}
	if d.srcs[KindCity].Load() == nil && d.srcs[KindASN].Load() == nil {
		if !cfg.Demo {
			log.Warn("no GeoIP database configured or found; geo and ASN enrichment is off",
				"searched", strings.Join(cfg.Directories, ", "),
				"fix", "set enrich.geoip.city and enrich.geoip.asn, or run geoipupdate")
			return d, nil
		}
		for _, k := range []Kind{KindCity, KindASN} {
			src, err := openDemo(k, &d.recEvictions)
			if err != nil {
				return nil, err
			}
			d.srcs[k].Store(src)
		}
		d.demo = true
		log.Warn("no GeoIP database configured or found; using the bundled demo GeoIP data, which knows only the demo's addresses",
			"searched", strings.Join(cfg.Directories, ", "),
			"fix", "set enrich.geoip.city and enrich.geoip.asn to GeoLite2-City.mmdb and GeoLite2-ASN.mmdb (geoipupdate) or DB-IP Lite files")
	}
	return d, nil
}

// find returns the first well-known file of kind in dirs, or "".
func find(dirs []string, k Kind) string {
	for _, dir := range dirs {
		for _, name := range wellKnown[k] {
			if strings.Contains(name, "*") {
				m, _ := filepath.Glob(filepath.Join(dir, name))
				if len(m) > 0 {
					slices.Sort(m)
					return m[len(m)-1]
				}
				continue
			}
			p := filepath.Join(dir, name)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return p
			}
		}
	}
	return ""
}

func openFile(path string, k Kind, evicted *atomic.Uint64) (*source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geoip: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("geoip: %w", err)
	}
	// Read the whole file: a later rename or rewrite of the path cannot touch the bytes in
	// use, and the buffer holds no pointers for the garbage collector to scan.
	buf := make([]byte, info.Size())
	if _, err := readFull(f, buf); err != nil {
		return nil, fmt.Errorf("geoip: read %s: %w", path, err)
	}
	return openBytes(path, buf, k, info, evicted)
}

func readFull(f *os.File, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := f.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func openDemo(k Kind, evicted *atomic.Uint64) (*source, error) {
	buf := demodb.City
	if k == KindASN {
		buf = demodb.ASN
	}
	src, err := openBytes("demo", buf, k, nil, evicted)
	if err != nil {
		return nil, fmt.Errorf("bundled demo data: %w", err)
	}
	return src, nil
}

func openBytes(path string, buf []byte, k Kind, info fs.FileInfo, evicted *atomic.Uint64) (*source, error) {
	dbType, err := checkType(path, buf, k)
	if err != nil {
		return nil, err
	}
	r, err := maxminddb.OpenBytes(buf)
	if err != nil {
		return nil, fmt.Errorf("geoip: %s: %w", path, err)
	}
	c, err := lru.NewWithEvict(recordCacheSize, func(uintptr, decoded) {
		if evicted != nil {
			evicted.Add(1)
		}
	})
	if err != nil {
		return nil, err
	}
	return &source{kind: k, path: path, dbType: dbType, reader: r, info: info, built: r.Metadata.BuildTime(), decoded: c}, nil
}

// Demo reports whether the bundled demo data is in use.
func (d *DB) Demo() bool { return d.demo }

// Enabled reports whether any database is open.
func (d *DB) Enabled() bool {
	return d.srcs[KindCity].Load() != nil || d.srcs[KindASN].Load() != nil || d.srcs[KindAnonymousIP].Load() != nil
}

// Sources lists the databases in use.
func (d *DB) Sources() []Source {
	var out []Source
	for k := KindCity; k <= KindAnonymousIP; k++ {
		if s := d.srcs[k].Load(); s != nil {
			out = append(out, Source{Kind: k, Path: s.path, DatabaseType: s.dbType, BuildTime: s.built, Demo: s.info == nil})
		}
	}
	return out
}

// Errors counts lookups that failed to decode (a corrupt database); such lookups yield
// whatever the other databases knew.
func (d *DB) Errors() uint64 { return d.errors.Load() }

// Lookup returns what the databases know of a. An IPv4 address embedded in an IPv4-mapped or
// well-known NAT64 (64:ff9b::/96) address is looked up as IPv4. Addresses that are not public
// (private, loopback, CGNAT, documentation, multicast, ...) are never looked up and yield an
// empty Record. A decode error is returned together with what could be decoded.
func (d *DB) Lookup(a netip.Addr) (Record, error) {
	var rec Record
	a = netdir.GeoAddr(a)
	if !netdir.IsPublic(a) {
		return rec, nil
	}
	var errs error
	if s := d.srcs[KindCity].Load(); s != nil {
		res := s.reader.Lookup(a)
		if res.Found() {
			v, err := d.record(s, res, d.decodeCity)
			if err != nil {
				errs = fmt.Errorf("geoip: %s: %s: %w", s.path, a, err)
			} else {
				rec.Geo, rec.RegisteredCountry, rec.Network = v.geo, v.registered, res.Prefix()
			}
		} else if err := res.Err(); err != nil {
			errs = fmt.Errorf("geoip: %s: %s: %w", s.path, a, err)
		}
	}
	if s := d.srcs[KindASN].Load(); s != nil {
		if res := s.reader.Lookup(a); res.Found() || res.Err() != nil {
			v, err := d.record(s, res, decodeASN)
			if err != nil {
				errs = errors.Join(errs, fmt.Errorf("geoip: %s: %s: %w", s.path, a, err))
			}
			rec.AS = v.as
		}
	}
	if s := d.srcs[KindAnonymousIP].Load(); s != nil {
		if res := s.reader.Lookup(a); res.Found() || res.Err() != nil {
			v, err := d.record(s, res, decodeAnonymous)
			if err != nil {
				errs = errors.Join(errs, fmt.Errorf("geoip: %s: %s: %w", s.path, a, err))
			}
			rec.Anonymous = anonTable[v.anon].flags
		}
	}
	if errs != nil {
		d.errors.Add(1)
	}
	return rec, errs
}

// Reload re-opens every database file that was replaced (a new inode, size or modification
// time) since it was opened, and reports whether any was. A file that cannot be opened keeps
// the previous database in use and is reported; the next Reload tries again.
func (d *DB) Reload() (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	changed := false
	var errs error
	for k := KindCity; k <= KindAnonymousIP; k++ {
		p := d.paths[k]
		old := d.srcs[k].Load()
		if p == "" || old == nil || old.info == nil {
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			errs = errors.Join(errs, fmt.Errorf("geoip: %w (keeping the database opened before)", err))
			continue
		}
		if sameFile(st, old.info) || sameFile(st, d.refused[k]) {
			continue
		}
		src, err := openFile(p, k, &d.recEvictions)
		if err != nil {
			d.refused[k] = st
			errs = errors.Join(errs, fmt.Errorf("%w (keeping the database opened before)", err))
			continue
		}
		d.refused[k] = nil
		d.srcs[k].Store(src)
		changed = true
		d.log.Info("geoip database reloaded", "kind", k.String(), "path", p, "type", src.dbType, "built", src.built.Format(time.DateOnly))
	}
	return changed, errs
}

// Close releases the databases. Lookups after Close find nothing.
func (d *DB) Close() error {
	for k := range d.srcs {
		d.srcs[k].Store(nil)
	}
	return nil
}

// record returns the decoded record res points to, from the source's cache or decoded now.
func (d *DB) record(s *source, res maxminddb.Result, decode func(maxminddb.Result) (decoded, error)) (decoded, error) {
	if err := res.Err(); err != nil {
		return decoded{}, err
	}
	off := res.Offset()
	if v, ok := s.decoded.Get(off); ok {
		d.recHits.Add(1)
		return v, nil
	}
	d.recMisses.Add(1)
	v, err := decode(res)
	if err != nil {
		return decoded{}, err
	}
	s.decoded.Add(off, v)
	return v, nil
}

func (d *DB) decodeCity(res maxminddb.Result) (decoded, error) {
	var c records.City
	if err := res.Decode(&c); err != nil {
		return decoded{}, err
	}
	return decoded{geo: geoOf(&c, d.cfg.CountryOnlyRadius), registered: c.RegisteredCountry.ISOCode}, nil
}

func decodeASN(res maxminddb.Result) (decoded, error) {
	var r records.ASN
	if err := res.Decode(&r); err != nil {
		return decoded{}, err
	}
	if r.Number == 0 && r.Organization == "" {
		return decoded{}, nil
	}
	return decoded{as: &borderwatch.AS{Number: r.Number, Organization: borderwatch.Organization{Name: r.Organization}}}, nil
}

func decodeAnonymous(res maxminddb.Result) (decoded, error) {
	var r records.Anonymous
	if err := res.Decode(&r); err != nil {
		return decoded{}, err
	}
	return decoded{anon: anonMask(&r)}, nil
}

// sameFile reports whether a and b describe the same, unmodified file.
func sameFile(a, b fs.FileInfo) bool {
	return a != nil && b != nil && os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}
