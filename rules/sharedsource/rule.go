package sharedsource

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

func init() {
	rules.Register(rules.Definition{
		Name:        "shared_source",
		ID:          "bw-shared-source-001",
		Description: "Several distinct users logging in successfully from one address or one residential /24 within a window (laptop farm).",
		Version:     "1.0.0",
		Category:    "shared_egress",
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
	MinUsers       int           `yaml:"min_users"`        // distinct users from one address
	Window         time.Duration `yaml:"window"`           // ... within this window
	Subnet         bool          `yaml:"subnet"`           // also count per residential subnet
	SubnetMinUsers int           `yaml:"subnet_min_users"` // distinct users from one residential subnet
	SubnetBitsV4   int           `yaml:"subnet_bits_v4"`
	SubnetBitsV6   int           `yaml:"subnet_bits_v6"`
	// Addresses in these categories are shared by design (corporate egress, mobile CGNAT,
	// Private Relay, consumer VPN exits, Tor) and not counted.
	IgnoreCategories []string `yaml:"ignore_categories"`
	MaxUsersPerKey   int      `yaml:"max_users_per_key"` // bound on users remembered per address
}

// DefaultParams returns the defaults.
func DefaultParams() Params {
	return Params{MinUsers: 3, Window: 24 * time.Hour, Subnet: true, SubnetMinUsers: 4, SubnetBitsV4: 24, SubnetBitsV6: 56,
		IgnoreCategories: []string{"corporate", "mobile", "relay", "satellite", "vpn", "tor"}, MaxUsersPerKey: 64}
}

// Validate checks the settings.
func (p *Params) Validate() error {
	switch {
	case p.MinUsers < 2 || p.SubnetMinUsers < 2:
		return fmt.Errorf("min_users and subnet_min_users must be >= 2, e.g. 3 and 4")
	case p.Window <= 0:
		return fmt.Errorf("window must be > 0, e.g. 24h")
	case p.SubnetBitsV4 < 8 || p.SubnetBitsV4 > 32 || p.SubnetBitsV6 < 16 || p.SubnetBitsV6 > 128:
		return fmt.Errorf("subnet_bits_v4 must be 8-32 and subnet_bits_v6 16-128, e.g. 24 and 56")
	case p.MaxUsersPerKey < p.MinUsers:
		return fmt.Errorf("max_users_per_key must be >= min_users")
	}
	return nil
}

type seen struct {
	T   time.Time  `json:"t"`
	Ref string     `json:"ref"`
	IP  netip.Addr `json:"ip,omitzero"` // for subnet keys
}

// keyState is what one address or subnet has seen. Nearly every address only ever sees one
// user: that one is kept inline, and the map is made when a second user comes.
type keyState struct {
	User   string          `json:"user,omitempty"` // the only user so far (Users is nil)
	Seen   seen            `json:"seen,omitzero"`
	Users  map[string]seen `json:"users,omitempty"`
	Oldest time.Time       `json:"oldest,omitzero"` // the oldest entry in Users: no pruning needed before Oldest+Window
	// sub is User's record in the per-user table when a per-user rule had looked it up: the
	// same record says the same user without reading the two strings.
	sub rules.Subject
}

// only reports whether the one user kept is user (sub is the event's user's record or zero).
func (st *keyState) only(sub rules.Subject, user string) bool {
	if sub.Valid() && st.sub == sub {
		return true
	}
	return st.User == user
}

// Rule is the configured shared_source rule. Not safe for concurrent use.
type Rule struct {
	p    Params
	subs *rules.Subjects // names the event's user (shared with the per-user rules)
	tab  *groups         // subnets and their addresses: one lookup finds both
}

// New builds the rule.
func New(env rules.Env, p Params) *Rule {
	ttl := max(env.TTL, p.Window)
	subs := env.Subjects
	if subs == nil {
		subs = rules.NewSubjects(env.MaxEntries, env.TTL)
	}
	return &Rule{p: p, subs: subs, tab: newGroups(env.MaxEntries, ttl, p.SubnetBitsV4, p.SubnetBitsV6)}
}

// Evaluate implements rules.Detector.
func (r *Rule) Evaluate(ev *borderwatch.Event, emit func(rules.Finding)) {
	if !rules.IsSuccessfulLogin(ev) || !ev.Source.IP.IsValid() {
		return
	}
	user := r.subs.Key(ev)
	if user == "" {
		return
	}
	in := rules.Intel(ev, true)
	if in != nil && (in.Internal || len(in.Allowlisted) > 0) {
		return
	}
	for _, c := range r.p.IgnoreCategories {
		if rules.HasCategory(in, c) {
			return
		}
	}
	ip := ev.Source.IP.Unmap()
	if !ip.IsGlobalUnicast() || ip.IsPrivate() {
		return
	}
	now := ev.Timestamp
	sub := r.subs.Current(ev)
	pfx := r.tab.subnet(ip)
	gr := r.tab.get(pfx, now)
	r.count(ev, r.tab.addrState(gr, ip, now), ip, netip.Prefix{}, sub, user, r.p.MinUsers, emit)
	if r.p.Subnet && (in == nil || len(in.Categories) == 0) {
		r.count(ev, r.tab.netState(gr, now), ip, pfx, sub, user, r.p.SubnetMinUsers, emit)
	}
}

// count adds user to what the address (pfx invalid) or the subnet pfx has seen.
func (r *Rule) count(ev *borderwatch.Event, st *keyState, ip netip.Addr, pfx netip.Prefix, sub rules.Subject, user string, minUsers int, emit func(rules.Finding)) {
	now := ev.Timestamp
	subnet := pfx.IsValid()
	s := seen{T: now, Ref: rules.DocRef(ev)}
	if subnet {
		s.IP = ev.Source.IP.Unmap()
	}
	if st.Users == nil {
		if st.User == "" || st.only(sub, user) || now.Sub(st.Seen.T) > r.p.Window {
			st.User, st.Seen, st.sub = user, s, sub // still one user: nothing to count (min_users >= 2)
			return
		}
		st.Users = map[string]seen{st.User: st.Seen}
		st.Oldest = st.Seen.T
		st.User, st.Seen, st.sub = "", seen{}, rules.Subject{}
	}
	if len(st.Users) > 0 && now.Sub(st.Oldest) > r.p.Window {
		st.Oldest = now
		for u, s := range st.Users {
			if now.Sub(s.T) > r.p.Window {
				delete(st.Users, u)
			} else if s.T.Before(st.Oldest) {
				st.Oldest = s.T
			}
		}
	}
	_, known := st.Users[user]
	if !known && len(st.Users) >= r.p.MaxUsersPerKey {
		return
	}
	if len(st.Users) == 0 || now.Before(st.Oldest) {
		st.Oldest = now
	}
	st.Users[user] = s
	n := len(st.Users)
	if known || n < minUsers {
		return
	}
	if subnet {
		// One address for everyone is the per-address alert's case; a subnet needs several.
		ips := map[netip.Addr]bool{}
		for _, s := range st.Users {
			ips[s.IP] = true
		}
		if len(ips) < 2 {
			return
		}
	}
	key := ip.String()
	if subnet {
		key = pfx.String()
	}
	what := key
	if subnet {
		what = "residential subnet " + key
	}
	users := make([]string, 0, n)
	var refs []string
	oldest := now
	for u, s := range st.Users {
		users = append(users, u)
		if s.Ref != "" {
			refs = append(refs, s.Ref)
		}
		if s.T.Before(oldest) {
			oldest = s.T
		}
	}
	sort.Strings(users)
	sort.Strings(refs)
	score := 60.0 + 8*float64(n-minUsers)
	if !subnet && n >= minUsers+1 {
		score += 7
	}
	var countries []string
	if c := rules.Country(&ev.Source); c != "" {
		countries = []string{c}
	}
	alertKey := "ip:" + key
	if subnet {
		alertKey = "net:" + key
	}
	emit(rules.Finding{
		Event: ev, Key: alertKey, Score: min(score, 95),
		Message: fmt.Sprintf("%d distinct users logged in successfully from %s within %s: %s (one place for several employees: a laptop farm or a shared operator).",
			n, describe(ev, what), fmtWindow(now.Sub(oldest)), strings.Join(users, ", ")),
		Reasons: []string{
			fmt.Sprintf("%d distinct users (threshold %d) from %s in %s", n, minUsers, what, fmtWindow(now.Sub(oldest))),
			"latest: " + rules.DisplayUser(ev),
		},
		Refs: refs, Users: users, Countries: countries, Matched: []string{alertKey},
	})
}

func describe(ev *borderwatch.Event, what string) string {
	if strings.HasPrefix(what, "residential subnet ") {
		d := rules.DescribeEndpoint(&ev.Source)
		if i := strings.IndexByte(d, ' '); i > 0 {
			return what + " " + d[i+1:]
		}
		return what
	}
	return rules.DescribeEndpoint(&ev.Source)
}

func fmtWindow(d time.Duration) string {
	if d < time.Hour {
		return fmt.Sprintf("%d min", int(d.Minutes())+1)
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

// LoadState implements rules.StatefulDetector.
func (r *Rule) LoadState(each func(fn func(key string, value []byte) error) error) error {
	return each(r.tab.load)
}

// SaveState implements rules.StatefulDetector.
func (r *Rule) SaveState(put func(key string, value []byte, expires time.Time) error) error {
	return r.tab.save(put)
}

// TableCounts implements rules.TableCounter.
func (r *Rule) TableCounts() rules.TableCounts { return r.tab.counts() }
