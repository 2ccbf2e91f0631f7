package rules

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // roster timezones resolve on hosts without a zoneinfo database
)

// Roster is what each employee claims: where they work from and in which timezone. It is read
// from a CSV file with a header row naming the columns user, country and timezone (in any
// order; extra columns are ignored). A Roster is read-only after loading and safe for
// concurrent use.
type Roster struct {
	entries map[string]RosterEntry
}

// RosterEntry is one employee's claim.
type RosterEntry struct {
	User     string
	Country  string         // ISO 3166-1 alpha-2, upper case; "" when not claimed
	Timezone *time.Location // nil when not claimed
}

// Lookup returns the entry for a user key (see UserKey); names are matched case-insensitively,
// with and without a domain or mail suffix.
func (r *Roster) Lookup(user string) (RosterEntry, bool) {
	if r == nil || user == "" {
		return RosterEntry{}, false
	}
	if e, ok := r.entries[user]; ok {
		return e, true
	}
	short := user
	if i := strings.LastIndexByte(short, '\\'); i >= 0 {
		short = short[i+1:]
	}
	if i := strings.IndexByte(short, '@'); i >= 0 {
		short = short[:i]
	}
	e, ok := r.entries[short]
	return e, ok
}

// Len returns the number of entries.
func (r *Roster) Len() int {
	if r == nil {
		return 0
	}
	return len(r.entries)
}

// LoadRoster reads a roster CSV file.
func LoadRoster(path string) (*Roster, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	defer f.Close()
	r, err := ReadRoster(f)
	if err != nil {
		return nil, fmt.Errorf("roster %s: %w", path, err)
	}
	return r, nil
}

// ReadRoster parses roster CSV from r.
func ReadRoster(r io.Reader) (*Roster, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty file: want a header row user,country,timezone")
		}
		return nil, err
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	ui, ok := col["user"]
	if !ok {
		return nil, errors.New("header has no user column: want user,country,timezone")
	}
	ci, hasC := col["country"]
	ti, hasT := col["timezone"]
	if !hasC && !hasT {
		return nil, errors.New("header has neither a country nor a timezone column")
	}
	out := &Roster{entries: map[string]RosterEntry{}}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		get := func(i int, has bool) string {
			if !has || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		user := strings.ToLower(get(ui, true))
		if user == "" {
			return nil, fmt.Errorf("line %d: empty user", line)
		}
		e := RosterEntry{User: user, Country: strings.ToUpper(get(ci, hasC))}
		if e.Country != "" && len(e.Country) != 2 {
			return nil, fmt.Errorf("line %d: country %q is not a two-letter ISO code", line, e.Country)
		}
		if tz := get(ti, hasT); tz != "" {
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return nil, fmt.Errorf("line %d: timezone %q: %w", line, tz, err)
			}
			e.Timezone = loc
		}
		if _, dup := out.entries[user]; dup {
			return nil, fmt.Errorf("line %d: user %q listed twice", line, user)
		}
		out.entries[user] = e
	}
	return out, nil
}
