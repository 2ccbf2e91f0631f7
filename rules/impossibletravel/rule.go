package impossibletravel

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

func init() {
	rules.Register(rules.Definition{
		Name:        "impossible_travel",
		ID:          "bw-impossible-travel-001",
		Description: "Two successful logins of one user from places too far apart for the time between them, allowing for GeoIP accuracy.",
		Version:     "1.0.0",
		Category:    "location",
		Severity:    rules.High,
		Suppression: 6 * time.Hour,
		Enabled:     true,
		Threat:      rules.Threat("TA0001", "Initial Access", "T1078", "Valid Accounts"),
		Params:      func() any { p := DefaultParams(); return &p },
		New:         func(env rules.Env, p any) (rules.Detector, error) { return New(env, *p.(*Params)), nil },
	})
}

// Params are the rule's settings.
type Params struct {
	MinDistanceKm      float64       `yaml:"min_distance_km"`      // effective distance below which nothing is travel
	AlertSpeedKmh      float64       `yaml:"alert_speed_kmh"`      // impossible: high
	ImprobableSpeedKmh float64       `yaml:"improbable_speed_kmh"` // improbable: medium
	DefaultRadiusKm    float64       `yaml:"default_radius_km"`    // accuracy radius when GeoIP gives none
	RoundTripWindow    time.Duration `yaml:"round_trip_window"`    // A→B→A within this window
	MaxLateness        time.Duration `yaml:"max_lateness"`         // logins are held this long to be put in order
	InteractiveOnly    bool          `yaml:"interactive_only"`     // skip logins the source marks non-interactive
	// Logins from these categories are recorded with their tag but neither compared nor moving
	// the user's baseline (consumer VPN exits, iCloud Private Relay, satellite ISPs).
	NoBaselineCategories []string `yaml:"no_baseline_categories"`
	// Providers that are never set aside and raise the score (Astrill is the favourite of
	// the workers this product looks for).
	RaiseProviders []string `yaml:"raise_providers"`
}

// DefaultParams returns the defaults from the detection design.
func DefaultParams() Params {
	return Params{
		MinDistanceKm: 300, AlertSpeedKmh: 1000, ImprobableSpeedKmh: 700, DefaultRadiusKm: 50,
		RoundTripWindow: 90 * time.Minute, MaxLateness: 5 * time.Minute, InteractiveOnly: true,
		NoBaselineCategories: []string{"vpn", "relay", "satellite"},
		RaiseProviders:       []string{"astrill"},
	}
}

// Validate checks the settings.
func (p *Params) Validate() error {
	switch {
	case p.MinDistanceKm < 0:
		return fmt.Errorf("min_distance_km must be >= 0, e.g. 300")
	case p.ImprobableSpeedKmh <= 0 || p.AlertSpeedKmh < p.ImprobableSpeedKmh:
		return fmt.Errorf("need 0 < improbable_speed_kmh (%g) <= alert_speed_kmh (%g), e.g. 700 and 1000", p.ImprobableSpeedKmh, p.AlertSpeedKmh)
	case p.DefaultRadiusKm < 0:
		return fmt.Errorf("default_radius_km must be >= 0, e.g. 50")
	case p.RoundTripWindow < 0 || p.MaxLateness < 0:
		return fmt.Errorf("round_trip_window and max_lateness must be >= 0, e.g. 90m and 5m")
	}
	return nil
}

// login is what the rule remembers of one login.
type login struct {
	T       time.Time  `json:"t"`
	IP      netip.Addr `json:"ip"`
	Lat     float64    `json:"lat"`
	Lon     float64    `json:"lon"`
	R       float64    `json:"r"`
	Country string     `json:"cc,omitempty"`
	City    string     `json:"city,omitempty"`
	ASN     uint32     `json:"asn,omitempty"`
	Org     string     `json:"org,omitempty"`
	Tag     string     `json:"tag,omitempty"` // why it did not move the baseline
	Ref     string     `json:"ref,omitempty"`
}

// userState is what the rule keeps of a user.
//
// The fields an evaluation reads come first (newest, the baseline's time, address and place,
// the count of recent logins and the first one's time): see prefetchBytes.
type userState struct {
	// newest is the latest time in Recent (zero: not known, after a load), so that a login
	// long after the others clears them without reading them.
	newest time.Time
	Base   login        // the last login that moved the baseline; zero T = none
	Recent recentLogins // logins within the round-trip window, oldest first
}

// prefetchBytes is how much of a userState an evaluation reads in the common case: up to the
// time of the first recent login.
const prefetchBytes = unsafe.Offsetof(userState{}.Recent) + unsafe.Offsetof(recentLogins{}.first) + unsafe.Sizeof(time.Time{})

// savedState is userState as saved.
type savedState struct {
	Base   login   `json:"base,omitzero"`
	Recent []login `json:"recent,omitempty"`
}

// MarshalJSON writes the state as savedState.
func (st *userState) MarshalJSON() ([]byte, error) {
	sv := savedState{Base: st.Base}
	for i := range st.Recent.len() {
		sv.Recent = append(sv.Recent, *st.Recent.at(i))
	}
	return json.Marshal(sv)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (st *userState) UnmarshalJSON(b []byte) error {
	var sv savedState
	if err := json.Unmarshal(b, &sv); err != nil {
		return err
	}
	*st = userState{Base: sv.Base}
	for _, l := range sv.Recent {
		st.Recent.add(l)
	}
	return nil
}

// recentLogins are the logins within the round-trip window, oldest first. Most users have at
// most one: the first is held in the user's record itself, the others in a slice.
type recentLogins struct {
	n     int
	rest  []login
	first login
}

func (rl *recentLogins) len() int { return rl.n }

func (rl *recentLogins) at(i int) *login {
	if i == 0 {
		return &rl.first
	}
	return &rl.rest[i-1]
}

func (rl *recentLogins) truncate(n int) {
	rl.n = n
	rl.rest = rl.rest[:max(n-1, 0)]
}

func (rl *recentLogins) add(l login) {
	if rl.n == 0 {
		rl.first = l
	} else {
		rl.rest = append(rl.rest, l)
	}
	rl.n++
}

// dropOldest removes the first login.
func (rl *recentLogins) dropOldest() {
	if rl.n == 0 {
		return
	}
	if rl.n > 1 {
		rl.first = rl.rest[0]
		copy(rl.rest, rl.rest[1:])
	}
	rl.truncate(rl.n - 1)
}

// keepSince keeps the logins no more than window before t, in order.
func (rl *recentLogins) keepSince(t time.Time, window time.Duration) {
	j := 0
	for i := range rl.n {
		if l := rl.at(i); t.Sub(l.T) <= window {
			if i != j {
				*rl.at(j) = *l
			}
			j++
		}
	}
	rl.truncate(j)
}

// Rule is the configured impossible_travel rule. Not safe for concurrent use.
type Rule struct {
	p         Params
	watched   rules.CountrySet
	users     *rules.Slot[userState]
	pending   pendingQueue
	seq       uint64
	watermark time.Time
}

// New builds the rule.
func New(env rules.Env, p Params) *Rule {
	subs := env.Subjects
	if subs == nil {
		subs = rules.NewSubjects(env.MaxEntries, env.TTL)
	}
	return &Rule{p: p, watched: env.Watched, users: rules.NewSlot[userState](subs)}
}

// pending is a login waiting in the reorder buffer, with what evaluation needs copied out of
// the event so that the (by then cold) event is only read again when an alert is raised.
type pending struct {
	ev  *borderwatch.Event
	sub rules.Subject // the user's record, found once for all the per-user rules
	l   login
	seq uint64
}

// pendingHeap is a min-heap by (time, arrival), typed to avoid boxing each login.
type pendingHeap []pending

func (h pendingHeap) Len() int { return len(h) }

func (h pendingHeap) less(i, j int) bool {
	if !h[i].l.T.Equal(h[j].l.T) {
		return h[i].l.T.Before(h[j].l.T)
	}
	return h[i].seq < h[j].seq
}

func (h *pendingHeap) push(p pending) {
	*h = append(*h, p)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if !s.less(i, parent) {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

func (h *pendingHeap) pop() pending {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s[n] = pending{}
	s = s[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && s.less(l, m) {
			m = l
		}
		if r < n && s.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

// Evaluate implements rules.Detector. Logins are held up to max_lateness (event time) and then
// evaluated in time order, so that a batch that arrives out of order gives the same alerts.
// Held events are only read.
func (r *Rule) Evaluate(ev *borderwatch.Event, emit func(rules.Finding)) {
	if ev.Timestamp.After(r.watermark) {
		r.watermark = ev.Timestamp
	}
	if r.relevant(ev) {
		if sub := r.users.Subjects().Upsert(ev, ev.Timestamp); sub.Valid() {
			r.seq++
			r.pending.add(pending{ev: ev, sub: sub, l: r.toLogin(ev), seq: r.seq})
		}
	}
	cut := r.watermark.Add(-r.p.MaxLateness)
	for r.pending.len() > 0 && !r.pending.first().After(cut) {
		r.evaluate(r.pending.take(), emit)
	}
	r.prefetch()
}

// prefetchAhead is how many held logins ahead of the next to be evaluated have their user's
// state brought into the caches: by the time a login is evaluated (max_lateness after it came)
// its user's state is long out of the caches, and waiting for it was the rule's largest cost.
const prefetchAhead = 16

// prefetch starts loading the state of the users of the next held logins (in arrival order),
// each once, so that evaluating them does not wait for memory.
func (r *Rule) prefetch() {
	q := &r.pending
	q.pf = max(q.pf, q.head)
	for q.pf < len(q.fifo) && q.pf < q.head+prefetchAhead {
		r.users.Prefetch(q.fifo[q.pf].sub, prefetchBytes)
		if ahead := q.pf + prefetchAhead; ahead < len(q.fifo) {
			rules.PrefetchValue(&q.fifo[ahead]) // the held login itself, read next time round
		}
		q.pf++
	}
}

// Flush evaluates every held login.
func (r *Rule) Flush(emit func(rules.Finding)) {
	for r.pending.len() > 0 {
		r.evaluate(r.pending.take(), emit)
	}
}

func (r *Rule) relevant(ev *borderwatch.Event) bool {
	if !rules.IsSuccessfulLogin(ev) || (r.p.InteractiveOnly && !rules.IsInteractive(ev)) {
		return false
	}
	g := ev.Source.Geo
	return g != nil && g.Location != nil && !g.CountryOnly && ev.Source.IP.IsValid()
}

func (r *Rule) toLogin(ev *borderwatch.Event) login {
	g := ev.Source.Geo
	l := login{T: ev.Timestamp, IP: ev.Source.IP.Unmap(), Lat: g.Location.Lat, Lon: g.Location.Lon,
		R: float64(g.AccuracyRadius), Country: strings.ToUpper(g.CountryISOCode), City: g.CityName, Ref: rules.DocRef(ev)}
	if l.R == 0 {
		l.R = r.p.DefaultRadiusKm
	}
	if as := ev.Source.AS; as != nil {
		l.ASN, l.Org = as.Number, as.Organization.Name
	}
	in := rules.Intel(ev, true)
	if !r.raised(in) {
		for _, c := range r.p.NoBaselineCategories {
			if rules.HasCategory(in, c) {
				l.Tag = c
				break
			}
		}
	}
	return l
}

func (r *Rule) raised(in *borderwatch.Intel) bool {
	for _, p := range rules.Providers(in) {
		if slices.Contains(r.p.RaiseProviders, p) {
			return true
		}
	}
	return false
}

func (r *Rule) evaluate(p pending, emit func(rules.Finding)) {
	ev := p.ev
	st := r.users.UpsertSubject(p.sub, p.l.T)
	if st == nil { // the user was dropped from the table while the login was held
		if st = r.users.Upsert(ev, p.l.T); st == nil {
			return
		}
	}
	cur := p.l
	// Keep the round-trip history (every login, tagged or not) within its window.
	if !st.newest.IsZero() && cur.T.Sub(st.newest) > r.p.RoundTripWindow {
		st.Recent.truncate(0)
	} else {
		st.Recent.keepSince(cur.T, r.p.RoundTripWindow)
	}
	switch {
	case cur.Tag != "":
		// a consumer VPN or relay exit says nothing about where the user is
	case !st.Base.T.IsZero() && cur.T.Before(st.Base.T):
		// Later than max_lateness allows: compare it with the newer baseline in time order,
		// and keep that baseline.
		newer := st.Base
		r.compare(ev, &cur, &newer, emit)
	default:
		prev := st.Base
		st.Base = cur
		if !prev.T.IsZero() && !r.compare(ev, &prev, &cur, emit) {
			r.roundTrip(ev, &st.Recent, &cur, emit)
		}
	}
	if st.Recent.len() >= 16 {
		st.Recent.dropOldest()
	}
	st.Recent.add(cur) // recorded with its tag
	if cur.T.After(st.newest) || st.Recent.len() == 1 {
		st.newest = cur.T
	}
}

// compare checks the leg prev → cur and reports whether it raised a finding.
func (r *Rule) compare(ev *borderwatch.Event, prev, cur *login, emit func(rules.Finding)) bool {
	if prev.IP == cur.IP {
		return false
	}
	if prev.IP.Is4() != cur.IP.Is4() && (prev.ASN != 0 && prev.ASN == cur.ASN || cur.T.Sub(prev.T) <= time.Minute) {
		return false // one dual-stack device switching address family
	}
	d := haversineKm(prev.Lat, prev.Lon, cur.Lat, cur.Lon)
	dEff := effectiveKm(d, prev.R, cur.R)
	if dEff < r.p.MinDistanceKm {
		return false
	}
	dt := cur.T.Sub(prev.T)
	hours := max(dt, time.Minute).Hours()
	speed := dEff / hours
	if speed < r.p.ImprobableSpeedKmh {
		return false
	}
	score := 70.0
	grade := "impossible"
	if speed < r.p.AlertSpeedKmh {
		score, grade = 45, "improbable"
	}
	reasons := []string{
		fmt.Sprintf("%.0f km between %s and %s (%.0f km after removing GeoIP accuracy radii of %.0f and %.0f km)",
			d, place(prev), place(cur), dEff, prev.R, cur.R),
		fmt.Sprintf("%s apart: %.0f km/h, %s (alert at %.0f km/h, improbable from %.0f km/h)",
			fmtDur(dt), speed, grade, r.p.AlertSpeedKmh, r.p.ImprobableSpeedKmh),
	}
	score += r.raise(ev, prev, cur, &reasons)
	prevEp := &borderwatch.Endpoint{IP: prev.IP, Geo: &borderwatch.Geo{CountryISOCode: prev.Country, CityName: prev.City,
		Location: &borderwatch.GeoPoint{Lat: prev.Lat, Lon: prev.Lon}, AccuracyRadius: uint16(min(prev.R, 65535))}}
	if prev.ASN != 0 {
		prevEp.AS = &borderwatch.AS{Number: prev.ASN, Organization: borderwatch.Organization{Name: prev.Org}}
	}
	emit(rules.Finding{
		Event: ev, Key: rules.UserKey(ev), Score: min(score, 100),
		Message: fmt.Sprintf("%s logged in from %s %s after logging in from %s: %.0f km in %s (%.0f km/h), %s travel.",
			rules.DisplayUser(ev), place(cur), cur.IP, place(prev), dEff, fmtDur(dt), speed, grade),
		Reasons: reasons, Refs: []string{prev.Ref}, Countries: dedupe(prev.Country, cur.Country),
		Users: []string{rules.DisplayUser(ev)}, Matched: []string{grade},
		DistanceKm: dEff, SpeedKmh: speed, Previous: prevEp, PreviousTime: prev.T,
	})
	return true
}

// raise adds to the score for what makes travel worse than travel: Astrill, hosting ranges,
// Tor, watched countries.
func (r *Rule) raise(ev *borderwatch.Event, prev, cur *login, reasons *[]string) float64 {
	add := 0.0
	in := rules.Intel(ev, true)
	if r.raised(in) {
		add += 15
		*reasons = append(*reasons, "the new login comes through "+strings.Join(rules.Providers(in), ", ")+", a VPN favoured by sanctioned remote workers")
	}
	if rules.HasCategory(in, "hosting") {
		add += 10
		*reasons = append(*reasons, "the new address is in a hosting range")
	}
	if rules.HasCategory(in, "tor") {
		add += 10
		*reasons = append(*reasons, "the new address is a Tor exit")
	}
	for _, c := range []string{prev.Country, cur.Country} {
		if r.watched.Has(c) {
			add += 15
			*reasons = append(*reasons, "one end is in watched country "+c)
			break
		}
	}
	return add
}

// roundTrip catches A→B→A within the window: the user is back near an earlier login after a
// login far away, a replayed session or a second operator.
func (r *Rule) roundTrip(ev *borderwatch.Event, recent *recentLogins, cur *login, emit func(rules.Finding)) {
	for i := range recent.len() {
		a := recent.at(i)
		if a.Tag != "" {
			continue
		}
		if effectiveKm(haversineKm(a.Lat, a.Lon, cur.Lat, cur.Lon), a.R, cur.R) >= r.p.MinDistanceKm {
			continue
		}
		for j := i + 1; j < recent.len(); j++ {
			b := recent.at(j)
			if b.Tag != "" {
				continue
			}
			d := effectiveKm(haversineKm(a.Lat, a.Lon, b.Lat, b.Lon), a.R, b.R)
			if d < r.p.MinDistanceKm {
				continue
			}
			span := cur.T.Sub(a.T)
			reasons := []string{
				fmt.Sprintf("%s at %s, %s at %s, back to %s at %s: %.0f km away and back within %s",
					place(a), a.T.Format("15:04"), place(b), b.T.Format("15:04"), place(cur), cur.T.Format("15:04"), d, fmtDur(span)),
			}
			score := 55 + r.raise(ev, b, cur, &reasons)
			emit(rules.Finding{
				Event: ev, Key: rules.UserKey(ev), Score: min(score, 100),
				Message: fmt.Sprintf("%s's logins went %s → %s → %s within %s: one session used from two places (replayed token or a second operator).",
					rules.DisplayUser(ev), place(a), place(b), place(cur), fmtDur(span)),
				Reasons: reasons, Refs: []string{a.Ref, b.Ref}, Countries: dedupe(a.Country, b.Country),
				Users: []string{rules.DisplayUser(ev)}, Matched: []string{"round_trip"}, DistanceKm: d,
			})
			return
		}
	}
}

// LoadState implements rules.StatefulDetector.
func (r *Rule) LoadState(each func(fn func(key string, value []byte) error) error) error {
	return each(r.users.Load)
}

// SaveState implements rules.StatefulDetector.
func (r *Rule) SaveState(put func(key string, value []byte, expires time.Time) error) error {
	return r.users.Save("", put)
}

func place(l *login) string {
	if l.City != "" {
		return l.City + ", " + l.Country
	}
	if l.Country != "" {
		return l.Country
	}
	return l.IP.String()
}

func fmtDur(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case m == 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}

func dedupe(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// pendingQueue holds logins waiting for their lateness to pass: in-order arrivals (the common
// case) go to a FIFO, late ones to a heap; take returns the earliest of the two heads.
type pendingQueue struct {
	fifo []pending
	head int
	pf   int // fifo[head:pf] have had their state prefetched
	late pendingHeap
}

func (q *pendingQueue) len() int { return len(q.fifo) - q.head + len(q.late) }

func (q *pendingQueue) add(p pending) {
	if n := len(q.fifo); n > q.head && p.l.T.Before(q.fifo[n-1].l.T) {
		q.late.push(p)
		return
	}
	if q.head > 0 && q.head == len(q.fifo) {
		q.fifo, q.head, q.pf = q.fifo[:0], 0, 0
	} else if q.head > 4096 && q.head*2 > len(q.fifo) {
		n := copy(q.fifo, q.fifo[q.head:])
		clear(q.fifo[n:])
		q.fifo, q.pf, q.head = q.fifo[:n], max(q.pf-q.head, 0), 0
	}
	q.fifo = append(q.fifo, p)
}

func (q *pendingQueue) fifoFirst() bool {
	if q.head == len(q.fifo) {
		return false
	}
	if len(q.late) == 0 {
		return true
	}
	f, l := q.fifo[q.head], q.late[0]
	if !f.l.T.Equal(l.l.T) {
		return f.l.T.Before(l.l.T)
	}
	return f.seq < l.seq
}

func (q *pendingQueue) first() time.Time {
	if q.fifoFirst() {
		return q.fifo[q.head].l.T
	}
	return q.late[0].l.T
}

func (q *pendingQueue) take() pending {
	if q.fifoFirst() {
		p := q.fifo[q.head]
		q.fifo[q.head] = pending{}
		q.head++
		return p
	}
	return q.late.pop()
}

// TableCounts implements rules.TableCounter.
func (r *Rule) TableCounts() rules.TableCounts { return r.users.Counts() }
