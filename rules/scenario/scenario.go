package scenario

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

// Options sizes a scenario.
type Options struct {
	Users int       // benign users (default 400)
	Hosts int       // benign internal hosts with network sessions (default 60)
	Days  int       // length of the history (default 35)
	Seed  uint64    // random seed (default 1)
	Start time.Time // first day, a Monday at 00:00 UTC (default 2026-02-02)
}

// Case is one planted behaviour: the rules expected to fire and the subjects (users or internal
// host addresses) their alerts must name.
type Case struct {
	ID          string   `json:"id"`
	Description string   `json:"description"`
	Rules       []string `json:"rules"`
	Subjects    []string `json:"subjects"`
}

// Scenario is a generated history.
type Scenario struct {
	Events []*borderwatch.Event // in time order, enriched and normalized
	Roster string               // CSV: user,country,timezone
	Cases  []Case
	// Benign lists the benign users and hosts; a planted subject is never in it.
	Benign map[string]bool
	// Explained lists, per rule, the benign users whose behaviour that rule is meant to report
	// (consumer VPN use for anonymizer_login; trips abroad for new_country and
	// claimed_location): alerts on them are expected, not false.
	Explained map[string][]string
}

// Configure applies the deployment the scenario models: the roster, the sanctioned remote
// access tool (TeamViewer) and the corporate VPN gateway.
func Configure(cfg *rules.Config, rosterPath string) {
	cfg.Roster = rosterPath
	set := func(rule, key string, v any) {
		rc := cfg.Rules[rule]
		if rc.Settings == nil {
			rc.Settings = map[string]any{}
		}
		rc.Settings[key] = v
		cfg.Rules[rule] = rc
	}
	set("remote_access_tool", "sanctioned_tools", []string{"teamviewer"})
	set("vpn_protocol", "sanctioned_servers", []string{corpVPN})
	set("vpn_protocol", "sanctioned_apps", []string{"globalprotect"})
}

const corpVPN = "192.0.2.10"

type gen struct {
	o      Options
	r      *rand.Rand
	evs    []*borderwatch.Event
	seq    int
	roster []string
	s      *Scenario
}

// Generate builds a scenario.
func Generate(o Options) *Scenario {
	if o.Users <= 0 {
		o.Users = 400
	}
	if o.Hosts <= 0 {
		o.Hosts = 60
	}
	if o.Days <= 0 {
		o.Days = 35
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)
	}
	g := &gen{o: o, r: rand.New(rand.NewPCG(o.Seed, 0x5ce7a410)), s: &Scenario{Benign: map[string]bool{}, Explained: map[string][]string{}}}
	g.roster = []string{"user,country,timezone"}
	for i := range o.Users {
		g.benignUser(i)
	}
	for i := range o.Hosts {
		g.benignHost(i)
	}
	g.planted()
	sort.SliceStable(g.evs, func(i, j int) bool { return g.evs[i].Timestamp.Before(g.evs[j].Timestamp) })
	for _, ev := range g.evs {
		borderwatch.Normalize(ev)
	}
	g.s.Events = g.evs
	g.s.Roster = strings.Join(g.roster, "\n") + "\n"
	return g.s
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func (g *gen) login(t time.Time, user string, ep borderwatch.Endpoint, in *borderwatch.Intel, outcome string) *borderwatch.Event {
	g.seq++
	ev := &borderwatch.Event{Timestamp: t.UTC()}
	ev.Event = borderwatch.EventMeta{Kind: "event", Category: []string{"authentication"}, Type: []string{"start"},
		Action: "user.session.start", Outcome: outcome, Dataset: "borderwatch.scenario", Module: "scenario", ID: fmt.Sprintf("scn-%07d", g.seq)}
	ev.User.Name = user
	ev.Source, ev.Borderwatch.Source = ep, in
	g.evs = append(g.evs, ev)
	return ev
}

func (g *gen) session(t time.Time, host string, dst borderwatch.Endpoint, din *borderwatch.Intel, port uint16, dur time.Duration, out, in uint64, app, cat string) *borderwatch.Event {
	g.seq++
	ev := &borderwatch.Event{Timestamp: t.UTC()}
	ev.Event = borderwatch.EventMeta{Kind: "event", Category: []string{"network", "session"}, Type: []string{"connection", "end"},
		Dataset: "borderwatch.flow", Start: t.Add(-dur).UTC(), End: t.UTC(), Duration: int64(dur)}
	ev.Source = borderwatch.Endpoint{IP: mustAddr(host), Bytes: out}
	ev.Borderwatch.Source = &borderwatch.Intel{Internal: true}
	ev.Destination, ev.Borderwatch.Destination = dst, din
	ev.Destination.Port, ev.Destination.Bytes = port, in
	ev.Network = borderwatch.Network{Transport: "tcp", Direction: "outbound", Bytes: out + in, CommunityID: fmt.Sprintf("1:scn%07d", g.seq)}
	ev.Borderwatch.Flow = &borderwatch.Flow{Final: true}
	if app != "" {
		ev.Borderwatch.App = &borderwatch.App{Name: app, Category: cat, Evidence: []string{"scenario"}}
	}
	g.evs = append(g.evs, ev)
	return ev
}

func (g *gen) day(d int) time.Time { return g.o.Start.Add(time.Duration(d) * 24 * time.Hour) }

// localTime returns day d at hour:min in the city's timezone.
func localTime(day time.Time, tz string, hour, min int) time.Time {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	return time.Date(day.Year(), day.Month(), day.Day(), hour, min, 0, 0, loc)
}

func weekday(t time.Time) bool { return t.Weekday() != time.Saturday && t.Weekday() != time.Sunday }

// benignUser: home and office logins in working hours, some evenings, a mobile phone, and for
// a few a consumer VPN or a trip.
func (g *gen) benignUser(i int) {
	user := fmt.Sprintf("user%04d", i)
	g.s.Benign[user] = true
	home := homeCities[g.r.IntN(len(homeCities))]
	g.roster = append(g.roster, fmt.Sprintf("%s,%s,%s", user, home.Country, home.TZ))
	ispH := homeISPs[g.r.IntN(len(homeISPs))]
	// Two users (a household) per residential /24 at most.
	homeIP := fmt.Sprintf("24.%d.%d.%d", 1+i/500, (i/2)%250, 10+i%2*100)
	office := fmt.Sprintf("198.51.100.%d", 1+int(homeCityIndex(home))%200)
	mobileIP := fmt.Sprintf("172.58.%d.%d", g.r.IntN(8), g.r.IntN(250)+1)
	vpnUser := g.r.Float64() < 0.04
	if vpnUser {
		g.s.Explained["anonymizer_login"] = append(g.s.Explained["anonymizer_login"], user)
	}
	var trip struct {
		from, to int
		c        city
	}
	if g.r.Float64() < 0.03 {
		trip.from = 20 + g.r.IntN(g.o.Days/3)
		trip.to = trip.from + 3 + g.r.IntN(3)
		trip.c = tripCities[g.r.IntN(len(tripCities))]
		if trip.c.Country != home.Country {
			g.s.Explained["new_country"] = append(g.s.Explained["new_country"], user)
			g.s.Explained["claimed_location"] = append(g.s.Explained["claimed_location"], user)
		}
	}
	for d := range g.o.Days {
		day := g.day(d)
		if !weekday(day) && g.r.Float64() > 0.1 {
			continue
		}
		if d >= trip.from && d < trip.to && trip.to > 0 {
			if d == trip.from {
				continue // flying
			}
			t := localTime(day, trip.c.TZ, 9+g.r.IntN(8), g.r.IntN(60))
			ep, in := endpoint(fmt.Sprintf("5.%d.%d.%d", 1+i/250, i%250, 1+g.r.IntN(250)), trip.c, 50, isp{64496, "Hotel WiFi"}, nil, "")
			g.login(t, user, ep, in, "success")
			continue
		}
		n := 1 + g.r.IntN(3)
		for k := range n {
			t := localTime(day, home.TZ, 8+g.r.IntN(10), g.r.IntN(60))
			if k == 0 && g.r.Float64() < 0.08 {
				t = localTime(day, home.TZ, 19+g.r.IntN(2), g.r.IntN(60))
			}
			switch x := g.r.Float64(); {
			case vpnUser && x < 0.3:
				exit := []city{frankfurt, tripCities[0], tripCities[1]}[g.r.IntN(3)]
				ep, in := endpoint(fmt.Sprintf("185.159.%d.%d", 156+g.r.IntN(4), 1+g.r.IntN(250)), exit, 20, nordISP, []string{"vpn"}, "nordvpn")
				g.login(t, user, ep, in, "success")
			case x < 0.45 && home.Country == "US":
				ep, in := endpoint(office, home, 10, corpISP, []string{"corporate"}, "corp")
				g.login(t, user, ep, in, "success")
			case x < 0.55 && home.Country == "US":
				// Mobile carriers geolocate to a regional gateway, often hundreds of km away, with a
				// wide accuracy radius.
				hub := city{home.Name + " region", home.Country, home.TZ, home.Lat + (g.r.Float64()*8 - 4), home.Lon + (g.r.Float64()*8 - 4)}
				ep, in := endpoint(mobileIP, hub, 500, mobileISP, []string{"mobile"}, "tmobile")
				g.login(t, user, ep, in, "success")
			default:
				ep, in := endpoint(homeIP, home, 20, ispH, nil, "")
				outcome := "success"
				if g.r.Float64() < 0.03 {
					outcome = "failure"
				}
				g.login(t, user, ep, in, outcome)
			}
		}
	}
}

func homeCityIndex(c city) int {
	for i, h := range homeCities {
		if h == c {
			return i
		}
	}
	return 0
}

// benignHost: ordinary outbound sessions, the corporate VPN client and the sanctioned
// TeamViewer.
func (g *gen) benignHost(i int) {
	host := fmt.Sprintf("10.1.%d.%d", i/200, 10+i%200)
	g.s.Benign[host] = true
	web := city{"Ashburn", "US", "America/New_York", 39.04, -77.49}
	for d := range g.o.Days {
		day := g.day(d)
		if !weekday(day) {
			continue
		}
		for range 3 + g.r.IntN(4) {
			t := day.Add(time.Duration(13+g.r.IntN(8))*time.Hour + time.Duration(g.r.IntN(3600))*time.Second)
			ep, in := endpoint(fmt.Sprintf("93.184.%d.%d", g.r.IntN(250), 1+g.r.IntN(250)), web, 100, isp{15133, "Edgecast"}, nil, "")
			g.session(t, host, ep, in, 443, time.Duration(1+g.r.IntN(600))*time.Second, uint64(g.r.IntN(2e6)), uint64(g.r.IntN(50e6)), "", "")
		}
		if i%4 == 0 {
			t := day.Add(22 * time.Hour)
			ep, in := endpoint(corpVPN, homeCities[0], 10, corpISP, []string{"corporate"}, "corp")
			g.session(t, host, ep, in, 4501, 9*time.Hour, 50e6, 200e6, "globalprotect", "vpn")
		}
		if i%10 == 0 && d%7 == 2 {
			t := day.Add(15 * time.Hour)
			ep, in := endpoint("203.0.113.200", frankfurt, 50, isp{24940, "TeamViewer"}, []string{"hosting"}, "teamviewer")
			g.session(t, host, ep, in, 5938, 40*time.Minute, 5e6, 20e6, "teamviewer", "remote_access")
		}
	}
}
