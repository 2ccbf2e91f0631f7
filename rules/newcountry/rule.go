package newcountry

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

func init() {
	rules.Register(rules.Definition{
		Name:        "new_country",
		ID:          "bw-new-country-001",
		Description: "A user's first successful login from a country absent from an established baseline.",
		Version:     "1.0.0",
		Category:    "location",
		Severity:    rules.Medium,
		Suppression: 24 * time.Hour,
		Enabled:     true,
		Threat:      rules.Threat("TA0001", "Initial Access", "T1078", "Valid Accounts"),
		Params:      func() any { p := DefaultParams(); return &p },
		New:         func(env rules.Env, p any) (rules.Detector, error) { return New(env, *p.(*Params)), nil },
	})
}

// Params are the rule's settings.
type Params struct {
	// The baseline is trusted once it is MinAge old or holds MinLogins logins.
	MinAge    time.Duration `yaml:"min_age"`
	MinLogins int           `yaml:"min_logins"`
	// Logins from these categories say nothing about where the user is and are skipped.
	SkipCategories []string `yaml:"skip_categories"`
	MaxCountries   int      `yaml:"max_countries"` // bound per user
}

// DefaultParams returns the defaults: 14 days or 10 logins.
func DefaultParams() Params {
	return Params{MinAge: 14 * 24 * time.Hour, MinLogins: 10,
		SkipCategories: []string{"vpn", "relay", "satellite", "tor", "proxy", "residential_proxy", "anonymous"}, MaxCountries: 32}
}

// Validate checks the settings.
func (p *Params) Validate() error {
	if p.MinAge < 0 || p.MinLogins < 0 || p.MinAge == 0 && p.MinLogins == 0 {
		return fmt.Errorf("min_age and min_logins must be >= 0 and not both 0, e.g. 336h and 10")
	}
	if p.MaxCountries < 1 {
		return fmt.Errorf("max_countries must be >= 1, e.g. 32")
	}
	return nil
}

type country struct {
	First time.Time `json:"first"`
	N     int       `json:"n"`
}

type userState struct {
	First     time.Time `json:"first"`
	Logins    int       `json:"logins"`
	Countries countries `json:"countries"`
}

// countries are the countries a user logged in from. Most users have one or two: those are
// held in the user's record itself (two-letter codes as two bytes), so that the common case,
// a login from a known country, reads no memory beyond the record. Saved as a JSON object
// {"US": {"first": ..., "n": ...}, ...}.
type countries struct {
	inline [2]countryCount
	more   []countryCount
	n      int
}

type countryCount struct {
	cc    [2]byte // a two-letter code
	code  string  // any other code
	first time.Time
	n     int
}

func (c *countryCount) is(code string) bool {
	if len(code) == 2 {
		return c.code == "" && c.cc == [2]byte{code[0], code[1]}
	}
	return c.code == code
}

func (c *countryCount) name() string {
	if c.code != "" {
		return c.code
	}
	return string(c.cc[:])
}

func (cs *countries) len() int { return cs.n }

func (cs *countries) at(i int) *countryCount {
	if i < len(cs.inline) {
		return &cs.inline[i]
	}
	return &cs.more[i-len(cs.inline)]
}

func (cs *countries) find(code string) *countryCount {
	for i := range cs.n {
		if c := cs.at(i); c.is(code) {
			return c
		}
	}
	return nil
}

func (cs *countries) add(code string, first time.Time, n int) {
	c := countryCount{first: first, n: n}
	if len(code) == 2 {
		c.cc = [2]byte{code[0], code[1]}
	} else {
		c.code = strings.Clone(code)
	}
	if cs.n < len(cs.inline) {
		cs.inline[cs.n] = c
	} else {
		cs.more = append(cs.more, c)
	}
	cs.n++
}

// names returns the codes, sorted.
func (cs *countries) names() []string {
	out := make([]string, cs.n)
	for i := range cs.n {
		out[i] = cs.at(i).name()
	}
	sort.Strings(out)
	return out
}

// MarshalJSON writes the countries as an object keyed by code.
func (cs countries) MarshalJSON() ([]byte, error) {
	m := make(map[string]country, cs.n)
	for i := range cs.n {
		c := cs.at(i)
		m[c.name()] = country{First: c.first, N: c.n}
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (cs *countries) UnmarshalJSON(b []byte) error {
	var m map[string]country
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*cs = countries{}
	codes := make([]string, 0, len(m))
	for k := range m {
		codes = append(codes, k)
	}
	sort.Strings(codes)
	for _, k := range codes {
		cs.add(k, m[k].First, m[k].N)
	}
	return nil
}

// Rule is the configured new_country rule. Not safe for concurrent use.
type Rule struct {
	p       Params
	watched rules.CountrySet
	users   *rules.Slot[userState]
}

// New builds the rule.
func New(env rules.Env, p Params) *Rule {
	return &Rule{p: p, watched: env.Watched, users: rules.NewSlot[userState](subjects(env))}
}

// Evaluate implements rules.Detector.
func (r *Rule) Evaluate(ev *borderwatch.Event, emit func(rules.Finding)) {
	if !rules.IsSuccessfulLogin(ev) {
		return
	}
	c := rules.Country(&ev.Source)
	user := r.users.Subjects().Key(ev)
	if c == "" || user == "" {
		return
	}
	in := rules.Intel(ev, true)
	for _, cat := range r.p.SkipCategories {
		if rules.HasCategory(in, cat) {
			return
		}
	}
	t := ev.Timestamp
	st := r.users.Upsert(ev, t)
	if st.First.IsZero() {
		st.First = t
	}
	if t.Before(st.First) {
		st.First = t
	}
	trusted := (r.p.MinAge > 0 && t.Sub(st.First) >= r.p.MinAge) || (r.p.MinLogins > 0 && st.Logins >= r.p.MinLogins)
	st.Logins++
	if k := st.Countries.find(c); k != nil {
		k.n++
		return
	}
	known := st.Countries.names()
	if st.Countries.len() < r.p.MaxCountries {
		st.Countries.add(c, t, 1)
	}
	if !trusted || len(known) == 0 {
		return
	}
	score := 50.0
	reasons := []string{
		fmt.Sprintf("first login from %s; baseline since %s holds %d logins from %s", c, st.First.Format("2006-01-02"), st.Logins-1, strings.Join(known, ", ")),
	}
	if r.watched.Has(c) {
		score = 75
		reasons = append(reasons, c+" is a watched country")
	}
	emit(rules.Finding{
		Event: ev, Key: user + "|" + c, Score: score,
		Message: fmt.Sprintf("%s logged in from %s, a country new for this user (baseline of %d logins since %s: %s).",
			rules.DisplayUser(ev), rules.DescribeEndpoint(&ev.Source), st.Logins-1, st.First.Format("2006-01-02"), strings.Join(known, ", ")),
		Reasons: reasons, Countries: append(known, c), Users: []string{rules.DisplayUser(ev)}, Matched: []string{"new:" + c},
	})
}

// LoadState implements rules.StatefulDetector.
func (r *Rule) LoadState(each func(fn func(key string, value []byte) error) error) error {
	return each(r.users.Load)
}

// SaveState implements rules.StatefulDetector.
func (r *Rule) SaveState(put func(key string, value []byte, expires time.Time) error) error {
	return r.users.Save("", put)
}

// TableCounts implements rules.TableCounter.
func (r *Rule) TableCounts() rules.TableCounts { return r.users.Counts() }

func subjects(env rules.Env) *rules.Subjects {
	if env.Subjects != nil {
		return env.Subjects
	}
	return rules.NewSubjects(env.MaxEntries, env.TTL)
}
