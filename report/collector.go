package report

import (
	"cmp"
	"container/list"
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/report/worldmap"
)

// Collector gathers what a report needs from the events and alerts it is given. It implements
// borderwatch.Sink, so it can sit beside the other sinks of a pipeline. Memory is bounded by
// its Config; what a bound leaves out is counted in Report.Dropped. Safe for concurrent use.
// It keeps no reference to the events it is given.
type Collector struct {
	cfg     Config
	log     *slog.Logger
	watched map[string]bool

	mu        sync.Mutex
	totals    Totals
	bySev     map[string]int
	rules     map[string]*RuleCount
	users     map[string]*userAgg
	countries map[string]*countryAgg
	locations map[locKey]*Location
	alerts    []AlertRow
	travels   []Travel
	activity  map[activityKey]*ActivityRow
	sessions  map[sessionKey]*SessionRow
	timelines map[string]*timeline
	lru       *list.List // of *timeline not yet alerted, least recently used at the back
	alerted   int        // timelines pinned by an alert
	dropped   map[string]uint64
}

var _ borderwatch.Sink = (*Collector)(nil)

type userAgg struct {
	events, failures uint64
	alerts           int
	sev              string
	countries        []string
	ips              []string // up to maxUserIPs
	last             time.Time
}

const (
	maxUserCountries = 32
	maxUserIPs       = 64
	maxCountryUsers  = 10_000
	maxLocationUsers = 5
)

type countryAgg struct {
	events uint64
	alerts int
	users  map[string]struct{}
}

type locKey struct {
	lat, lon int32 // hundredths of a degree
	kind     string
}

type activityKey struct{ party, peer, kind string }

type sessionKey struct{ src, dst, app string }

type timeline struct {
	user    string
	entries []TimelineEntry // ring while not alerted
	next    int
	pinned  bool
	dropped uint64
	elem    *list.Element
}

// NewCollector returns a Collector. log may be nil.
func NewCollector(cfg Config, log *slog.Logger) (*Collector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	c := &Collector{
		cfg: cfg, log: log, watched: map[string]bool{},
		bySev: map[string]int{}, rules: map[string]*RuleCount{}, users: map[string]*userAgg{},
		countries: map[string]*countryAgg{}, locations: map[locKey]*Location{},
		activity: map[activityKey]*ActivityRow{}, sessions: map[sessionKey]*SessionRow{},
		timelines: map[string]*timeline{}, lru: list.New(), dropped: map[string]uint64{},
	}
	for _, w := range cfg.WatchedCountries {
		c.watched[w] = true
	}
	return c, nil
}

// Publish adds a batch of events and alerts. It never fails.
func (c *Collector) Publish(_ context.Context, evs []*borderwatch.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ev := range evs {
		c.add(ev)
	}
	return nil
}

// Close does nothing: a Collector holds no resources. Report may be called after Close.
func (c *Collector) Close(context.Context) error { return nil }

func (c *Collector) drop(table string) { c.dropped[table]++ }

// userOf names the user an event is about: user.name as the source gives it (rules copy it
// unchanged into alerts), else user.email.
func userOf(ev *borderwatch.Event) string {
	if ev.User.Name != "" {
		return ev.User.Name
	}
	return ev.User.Email
}

func (c *Collector) add(ev *borderwatch.Event) {
	t := &c.totals
	ts := ev.Timestamp.UTC()
	if !ts.IsZero() {
		if t.First.IsZero() || ts.Before(t.First) {
			t.First = ts
		}
		if ts.After(t.Last) {
			t.Last = ts
		}
	}
	if ev.Event.Kind == borderwatch.KindAlert {
		c.addAlert(ev, ts)
		return
	}
	t.Events++
	user := userOf(ev)
	auth := ev.HasCategory(borderwatch.CategoryAuthentication)
	failed := ev.Event.Outcome == borderwatch.OutcomeFailure
	if auth {
		t.Authentication++
		if failed {
			t.Failures++
		}
	}
	if ev.HasCategory(borderwatch.CategoryNetwork) {
		t.Network++
	}
	// The location that matters: where a login came from, or where an outbound session went.
	peer, kind := &ev.Source, "login"
	if !auth && ev.Network.Direction == borderwatch.DirectionOutbound {
		peer, kind = &ev.Destination, "egress"
	}
	country := ""
	if peer.Geo != nil {
		country = peer.Geo.CountryISOCode
	}
	if user != "" {
		u := c.user(user)
		if u != nil {
			u.events++
			if failed {
				u.failures++
			}
			if ts.After(u.last) {
				u.last = ts
			}
			if country != "" && !slices.Contains(u.countries, country) && len(u.countries) < maxUserCountries {
				u.countries = append(u.countries, country)
			}
			if ip := peer.IP; ip.IsValid() && len(u.ips) < maxUserIPs && !slices.Contains(u.ips, ip.String()) {
				u.ips = append(u.ips, ip.String())
			}
		}
		c.timelineAdd(user, entryOf(ev, ts, peer))
	}
	if country != "" {
		ca := c.country(country)
		ca.events++
		if user != "" {
			c.countryUser(ca, user)
		}
	}
	if peer.Geo != nil && peer.Geo.Location != nil && !peer.Geo.CountryOnly && (auth || kind == "egress") {
		c.addLocation(kind, pointOf(peer, ts), user, false)
	}
	if country != "" && c.watched[country] {
		c.addActivity(ev, user, peer, kind, ts)
	}
	if a := ev.Borderwatch.App; a != nil && a.Category != "" {
		c.addSession(ev, a, ts)
	}
}

func (c *Collector) user(name string) *userAgg {
	u, ok := c.users[name]
	if !ok {
		if len(c.users) >= c.cfg.MaxUsers {
			c.drop("users")
			return nil
		}
		u = &userAgg{}
		c.users[name] = u
	}
	return u
}

func (c *Collector) country(iso string) *countryAgg {
	ca, ok := c.countries[iso]
	if !ok {
		ca = &countryAgg{users: map[string]struct{}{}}
		c.countries[iso] = ca
	}
	return ca
}

func (c *Collector) countryUser(ca *countryAgg, user string) {
	if _, ok := ca.users[user]; ok {
		return
	}
	if len(ca.users) >= maxCountryUsers {
		c.drop("country_users")
		return
	}
	ca.users[user] = struct{}{}
}

func pointOf(e *borderwatch.Endpoint, ts time.Time) Point {
	p := Point{Time: ts}
	if e.IP.IsValid() {
		p.IP = e.IP.String()
	}
	if g := e.Geo; g != nil {
		p.Country, p.City = g.CountryISOCode, g.CityName
		if g.Location != nil {
			p.Lat, p.Lon = g.Location.Lat, g.Location.Lon
		}
	}
	return p
}

func (c *Collector) addLocation(kind string, p Point, user string, alerted bool) {
	k := locKey{lat: int32(math.Round(p.Lat * 100)), lon: int32(math.Round(p.Lon * 100)), kind: kind}
	l, ok := c.locations[k]
	if !ok {
		if len(c.locations) >= c.cfg.MaxLocations {
			c.drop("locations")
			return
		}
		p.IP, p.Time = "", time.Time{}
		l = &Location{Point: p, Kind: kind}
		c.locations[k] = l
	}
	l.Count++
	if user != "" && len(l.Users) < maxLocationUsers && !slices.Contains(l.Users, user) {
		l.Users = append(l.Users, user)
	}
	if alerted {
		l.Alerted = true
	}
}

func (c *Collector) addActivity(ev *borderwatch.Event, user string, peer *borderwatch.Endpoint, kind string, ts time.Time) {
	party := user
	if kind == "egress" {
		kind = "outbound"
		if party == "" && ev.Source.IP.IsValid() {
			party = ev.Source.IP.String()
		}
	} else if !ev.HasCategory(borderwatch.CategoryAuthentication) {
		kind = "inbound"
		if party == "" && ev.Destination.IP.IsValid() {
			party = ev.Destination.IP.String()
		}
	}
	k := activityKey{party: party, peer: peer.IP.String(), kind: kind}
	r, ok := c.activity[k]
	if !ok {
		if len(c.activity) >= c.cfg.MaxRows {
			c.drop("watched_country_activity")
			return
		}
		r = &ActivityRow{Party: party, PeerIP: k.peer, Country: peer.Geo.CountryISOCode, Kind: kind, Domain: peer.Domain, First: ts, Last: ts}
		if peer.AS != nil {
			r.ASOrg = peer.AS.Organization.Name
		}
		c.activity[k] = r
	}
	r.Count++
	r.Bytes += ev.Network.Bytes
	if ts.Before(r.First) {
		r.First = ts
	}
	if ts.After(r.Last) {
		r.Last = ts
	}
	if r.Domain == "" {
		r.Domain = peer.Domain
	}
}

func (c *Collector) addSession(ev *borderwatch.Event, a *borderwatch.App, ts time.Time) {
	src := ev.Source.IP.String()
	if u := userOf(ev); u != "" {
		src = u
	}
	dst := ev.Destination.IP.String()
	if !ev.Destination.IP.IsValid() {
		dst = ev.Destination.Domain
	}
	k := sessionKey{src: src, dst: dst, app: a.Name}
	r, ok := c.sessions[k]
	if !ok {
		if len(c.sessions) >= c.cfg.MaxRows {
			c.drop("remote_access_sessions")
			return
		}
		r = &SessionRow{Source: src, Destination: dst, App: a.Name, Category: a.Category, Domain: ev.Destination.Domain,
			Evidence: slices.Clone(a.Evidence), First: ts, Last: ts}
		if len(r.Evidence) > 4 {
			r.Evidence = r.Evidence[:4]
		}
		if g := ev.Destination.Geo; g != nil {
			r.Country = g.CountryISOCode
		}
		c.sessions[k] = r
	}
	// A flow is reported several times while it lasts; only its final record is a session.
	if f := ev.Borderwatch.Flow; f == nil || f.Final {
		r.Sessions++
	}
	r.Bytes += ev.Network.Bytes
	r.Duration += time.Duration(ev.Event.Duration).Seconds()
	if ts.Before(r.First) {
		r.First = ts
	}
	if ts.After(r.Last) {
		r.Last = ts
	}
}

func entryOf(ev *borderwatch.Event, ts time.Time, peer *borderwatch.Endpoint) TimelineEntry {
	e := TimelineEntry{Time: ts, Kind: ev.Event.Kind, Dataset: ev.Event.Dataset, Action: ev.Event.Action, Outcome: ev.Event.Outcome}
	if peer.IP.IsValid() {
		e.IP = peer.IP.String()
	}
	if g := peer.Geo; g != nil {
		e.Country, e.City = g.CountryISOCode, g.CityName
	}
	if peer.AS != nil {
		e.ASOrg = peer.AS.Organization.Name
	}
	intel := ev.Borderwatch.Source
	if peer == &ev.Destination {
		intel = ev.Borderwatch.Destination
	}
	if intel != nil {
		e.Categories = slices.Clone(intel.Categories)
	}
	return e
}

func (c *Collector) timelineAdd(user string, e TimelineEntry) {
	tl, ok := c.timelines[user]
	if !ok {
		if c.lru.Len() >= c.cfg.TimelineUsers {
			old := c.lru.Remove(c.lru.Back()).(*timeline)
			delete(c.timelines, old.user)
			c.drop("timeline_users")
		}
		tl = &timeline{user: user}
		tl.elem = c.lru.PushFront(tl)
		c.timelines[user] = tl
	} else if !tl.pinned {
		c.lru.MoveToFront(tl.elem)
	}
	if tl.pinned {
		if len(tl.entries) >= c.cfg.AlertedEvents {
			tl.dropped++
			c.drop("timeline_events")
			return
		}
		tl.entries = append(tl.entries, e)
		return
	}
	if len(tl.entries) < c.cfg.TimelineEvents {
		tl.entries = append(tl.entries, e)
		return
	}
	tl.entries[tl.next] = e
	tl.next = (tl.next + 1) % len(tl.entries)
	tl.dropped++
}

// pin keeps user's timeline for the report (as long as fewer than AlertedTimelines are pinned).
func (c *Collector) pin(user string) *timeline {
	tl, ok := c.timelines[user]
	if ok && tl.pinned {
		return tl
	}
	if c.alerted >= c.cfg.AlertedTimelines {
		c.drop("alerted_timelines")
		return nil
	}
	if !ok {
		tl = &timeline{user: user}
		c.timelines[user] = tl
	} else {
		c.lru.Remove(tl.elem)
		// Unroll the ring into time order.
		tl.entries = append(tl.entries[tl.next:], tl.entries[:tl.next]...)
		tl.next = 0
	}
	tl.pinned, tl.elem = true, nil
	c.alerted++
	return tl
}

func (c *Collector) addAlert(ev *borderwatch.Event, ts time.Time) {
	c.totals.Alerts++
	sev := severityOf(ev)
	c.bySev[sev]++
	id, name := "", ""
	if ev.Rule != nil {
		id, name = ev.Rule.ID, ev.Rule.Name
	}
	rc, ok := c.rules[id]
	if !ok {
		rc = &RuleCount{ID: id, Name: name, BySeverity: map[string]int{}}
		c.rules[id] = rc
	}
	rc.Total++
	rc.BySeverity[sev]++

	users := []string{}
	if u := userOf(ev); u != "" {
		users = append(users, u)
	}
	a := ev.Borderwatch.Alert
	if a != nil {
		for _, u := range a.Users {
			if !slices.Contains(users, u) {
				users = append(users, u)
			}
		}
	}
	for _, u := range users {
		if ua := c.user(u); ua != nil {
			ua.alerts++
			if SeverityRank(sev) > SeverityRank(ua.sev) {
				ua.sev = sev
			}
		}
		if tl := c.pin(u); tl != nil {
			if len(tl.entries) < c.cfg.AlertedEvents {
				e := entryOf(ev, ts, &ev.Source)
				e.Kind, e.Rule, e.Severity, e.Message = borderwatch.KindAlert, id, sev, ev.Message
				tl.entries = append(tl.entries, e)
			} else {
				tl.dropped++
				c.drop("timeline_events")
			}
		}
	}
	if g := ev.Source.Geo; g != nil && g.CountryISOCode != "" {
		c.country(g.CountryISOCode).alerts++
	}

	row := AlertRow{ID: ev.DocumentID(), Time: ts, Severity: sev, RuleID: id, RuleName: name, Message: ev.Message}
	if len(users) > 0 {
		row.User = strings.Join(users, ", ")
	}
	if ev.Source.IP.IsValid() {
		row.SourceIP = ev.Source.IP.String()
	}
	if g := ev.Source.Geo; g != nil {
		row.Country, row.City = g.CountryISOCode, g.CityName
	}
	if ev.Source.AS != nil {
		row.ASOrg = ev.Source.AS.Organization.Name
	}
	if a != nil {
		row.Reasons, row.Count = slices.Clone(a.Reasons), a.Count
	}
	if len(c.alerts) < c.cfg.MaxAlerts {
		c.alerts = append(c.alerts, row)
	} else {
		c.drop("alerts")
	}

	// Travel-like alerts carry the earlier endpoint: draw an arc from it.
	if a != nil && a.Previous != nil && a.Previous.Geo != nil && a.Previous.Geo.Location != nil &&
		ev.Source.Geo != nil && ev.Source.Geo.Location != nil {
		prevTime := a.PreviousTime
		from, to := pointOf(a.Previous, prevTime.UTC()), pointOf(&ev.Source, ts)
		user := strings.Join(users, ", ")
		if len(c.travels) < c.cfg.MaxAlerts {
			c.travels = append(c.travels, Travel{AlertID: row.ID, User: user, Severity: sev, From: from, To: to,
				DistanceKm: a.DistanceKm, SpeedKmh: a.SpeedKmh})
		} else {
			c.drop("travels")
		}
		c.addLocation("login", from, "", true)
		c.addLocation("login", to, "", true)
	} else if g := ev.Source.Geo; g != nil && g.Location != nil && !g.CountryOnly {
		// Mark the alert's location without counting another login there.
		k := locKey{lat: int32(math.Round(g.Location.Lat * 100)), lon: int32(math.Round(g.Location.Lon * 100)), kind: "login"}
		if l, ok := c.locations[k]; ok {
			l.Alerted = true
		}
	}
}

// Report returns a snapshot of what was collected, with meta as its header. Safe to call
// while events are still being published.
func (c *Collector) Report(meta Meta) *Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	if meta.Title == "" {
		meta.Title = c.cfg.Title
	}
	if meta.Generated.IsZero() {
		meta.Generated = time.Now().UTC()
	}
	r := &Report{Meta: meta, Totals: c.totals, BySeverity: map[string]int{}, Dropped: map[string]uint64{},
		Watched: slices.Clone(c.cfg.WatchedCountries)}
	for _, s := range Severities {
		r.BySeverity[s] = c.bySev[s]
	}
	for k, v := range c.dropped {
		r.Dropped[k] = v
	}
	r.Totals.Users = len(c.users)
	r.Totals.Countries = len(c.countries)

	for _, rc := range c.rules {
		cp := *rc
		cp.BySeverity = map[string]int{}
		for k, v := range rc.BySeverity {
			cp.BySeverity[k] = v
		}
		r.Rules = append(r.Rules, cp)
	}
	slices.SortFunc(r.Rules, func(a, b RuleCount) int { return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.ID, b.ID)) })

	users := make([]UserCount, 0, len(c.users))
	for name, u := range c.users {
		if u.alerts > 0 {
			r.Totals.AlertedUsers++
		}
		cs := slices.Clone(u.countries)
		slices.Sort(cs)
		users = append(users, UserCount{Name: name, Events: u.events, Failures: u.failures, Alerts: u.alerts,
			Severity: u.sev, Countries: cs, IPs: len(u.ips), LastSeen: u.last})
	}
	slices.SortFunc(users, func(a, b UserCount) int {
		return cmp.Or(cmp.Compare(b.Alerts, a.Alerts), cmp.Compare(SeverityRank(b.Severity), SeverityRank(a.Severity)),
			cmp.Compare(len(b.Countries), len(a.Countries)), cmp.Compare(b.Events, a.Events), cmp.Compare(a.Name, b.Name))
	})
	r.TopUsers = users[:min(len(users), c.cfg.TopN)]

	for iso, ca := range c.countries {
		r.TopCountries = append(r.TopCountries, CountryCount{ISO: iso, Name: worldmap.Name(iso), Events: ca.events,
			Users: len(ca.users), Alerts: ca.alerts, Watched: c.watched[iso]})
	}
	slices.SortFunc(r.TopCountries, func(a, b CountryCount) int {
		return cmp.Or(cmp.Compare(b.Events, a.Events), cmp.Compare(a.ISO, b.ISO))
	})
	// Watched countries always make the table, whatever their rank.
	top := r.TopCountries[:0:0]
	for i, cc := range r.TopCountries {
		if i < c.cfg.TopN || cc.Watched {
			top = append(top, cc)
		}
	}
	r.TopCountries = top

	r.Alerts = slices.Clone(c.alerts)
	slices.SortStableFunc(r.Alerts, func(a, b AlertRow) int {
		return cmp.Or(cmp.Compare(SeverityRank(b.Severity), SeverityRank(a.Severity)), a.Time.Compare(b.Time), cmp.Compare(a.ID, b.ID))
	})
	r.Travels = slices.Clone(c.travels)
	slices.SortStableFunc(r.Travels, func(a, b Travel) int { return cmp.Or(a.To.Time.Compare(b.To.Time), cmp.Compare(a.AlertID, b.AlertID)) })

	for _, l := range c.locations {
		cp := *l
		cp.Users = slices.Clone(l.Users)
		r.Locations = append(r.Locations, cp)
	}
	slices.SortFunc(r.Locations, func(a, b Location) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Lat, b.Lat), cmp.Compare(a.Lon, b.Lon), cmp.Compare(a.Kind, b.Kind))
	})

	for _, tl := range c.timelines {
		if !tl.pinned {
			continue
		}
		ua := c.users[tl.user]
		t := Timeline{User: tl.user, Entries: slices.Clone(tl.entries), Dropped: tl.dropped}
		if ua != nil {
			t.Alerts, t.Severity = ua.alerts, ua.sev
		}
		slices.SortStableFunc(t.Entries, func(a, b TimelineEntry) int { return a.Time.Compare(b.Time) })
		r.Timelines = append(r.Timelines, t)
	}
	slices.SortFunc(r.Timelines, func(a, b Timeline) int {
		return cmp.Or(cmp.Compare(SeverityRank(b.Severity), SeverityRank(a.Severity)), cmp.Compare(b.Alerts, a.Alerts), cmp.Compare(a.User, b.User))
	})

	for _, a := range c.activity {
		r.WatchedEgress = append(r.WatchedEgress, *a)
	}
	slices.SortFunc(r.WatchedEgress, func(a, b ActivityRow) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Party, b.Party), cmp.Compare(a.PeerIP, b.PeerIP), cmp.Compare(a.Kind, b.Kind))
	})
	for _, s := range c.sessions {
		cp := *s
		cp.Evidence = slices.Clone(s.Evidence)
		r.RemoteAccess = append(r.RemoteAccess, cp)
	}
	slices.SortFunc(r.RemoteAccess, func(a, b SessionRow) int {
		return cmp.Or(cmp.Compare(a.Category, b.Category), cmp.Compare(b.Sessions, a.Sessions), cmp.Compare(a.Source, b.Source),
			cmp.Compare(a.Destination, b.Destination), cmp.Compare(a.App, b.App))
	})
	if n := len(r.Dropped); n > 0 {
		c.log.Debug("report bounds left data out", "tables", fmt.Sprint(r.Dropped))
	}
	return r
}
