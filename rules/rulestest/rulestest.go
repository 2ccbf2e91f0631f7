// Package rulestest builds enriched events for rule tests: logins and network sessions with the
// geo, ASN and intel fields that enrichment would have set.
package rulestest

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

// Place is a GeoIP answer.
type Place struct {
	Country, City string
	Lat, Lon      float64
	Radius        uint16
	ASN           uint32
	Org           string
	Timezone      string
	Categories    []string // enrichment categories of the address (vpn, hosting, ...)
	Provider      string   // list provider, e.g. "astrill"
	Internal      bool
}

// Endpoint returns the ECS endpoint and the intel for ip at p.
func Endpoint(ip string, p Place) (borderwatch.Endpoint, *borderwatch.Intel) {
	ep := borderwatch.Endpoint{IP: netip.MustParseAddr(ip)}
	if p.Country != "" {
		ep.Geo = &borderwatch.Geo{CountryISOCode: p.Country, CityName: p.City, AccuracyRadius: p.Radius, Timezone: p.Timezone}
		if p.Lat != 0 || p.Lon != 0 {
			ep.Geo.Location = &borderwatch.GeoPoint{Lat: p.Lat, Lon: p.Lon}
		}
	}
	if p.ASN != 0 {
		ep.AS = &borderwatch.AS{Number: p.ASN, Organization: borderwatch.Organization{Name: p.Org}}
	}
	var in *borderwatch.Intel
	if len(p.Categories) > 0 || p.Internal || p.Provider != "" {
		in = &borderwatch.Intel{Internal: p.Internal, Categories: p.Categories}
		for _, c := range p.Categories {
			in.Lists = append(in.Lists, borderwatch.ListHit{Name: c + "-list", Category: c, Provider: p.Provider})
		}
	}
	return ep, in
}

// Login returns an enriched, normalized authentication event.
func Login(t time.Time, user, ip string, p Place, outcome string) *borderwatch.Event {
	ev := &borderwatch.Event{Timestamp: t.UTC()}
	ev.Event = borderwatch.EventMeta{Kind: "event", Category: []string{"authentication"}, Type: []string{"start"},
		Action: "user.session.start", Outcome: outcome, Dataset: "borderwatch.test", Module: "test"}
	ev.User.Name = user
	ev.Source, ev.Borderwatch.Source = Endpoint(ip, p)
	borderwatch.Normalize(ev)
	return ev
}

// Session returns an enriched, normalized network session from src to dst.
func Session(t time.Time, src string, sp Place, dst string, dp Place, port uint16, bytesOut, bytesIn uint64) *borderwatch.Event {
	ev := &borderwatch.Event{Timestamp: t.UTC()}
	ev.Event = borderwatch.EventMeta{Kind: "event", Category: []string{"network", "session"}, Type: []string{"connection", "end"},
		Dataset: "borderwatch.flow", Start: t.Add(-time.Minute).UTC(), End: t.UTC()}
	ev.Source, ev.Borderwatch.Source = Endpoint(src, sp)
	ev.Destination, ev.Borderwatch.Destination = Endpoint(dst, dp)
	ev.Destination.Port = port
	ev.Source.Bytes, ev.Destination.Bytes = bytesOut, bytesIn
	ev.Network = borderwatch.Network{Transport: "tcp", Bytes: bytesOut + bytesIn, CommunityID: "1:" + src + dst + t.String()}
	if sp.Internal && !dp.Internal {
		ev.Network.Direction = borderwatch.DirectionOutbound
	}
	ev.Borderwatch.Flow = &borderwatch.Flow{Final: true}
	borderwatch.Normalize(ev)
	return ev
}

// Run builds an engine with only the named rules enabled (plus cfg's settings), runs events
// through it and returns every alert including the final flush.
func Run(tb testing.TB, cfg rules.Config, only []string, events []*borderwatch.Event) []*borderwatch.Event {
	tb.Helper()
	if only != nil {
		for _, n := range rules.Names() {
			rc := cfg.Rules[n]
			en := false
			for _, o := range only {
				if o == n {
					en = true
				}
			}
			rc.Enabled = &en
			cfg.Rules[n] = rc
		}
	}
	e, err := rules.New(cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer e.Close()
	var out []*borderwatch.Event
	for _, ev := range events {
		a, err := e.Evaluate(context.Background(), ev)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, a...)
	}
	a, err := e.Flush(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return append(out, a...)
}

// Common places.
var (
	Beijing   = Place{Country: "CN", City: "Beijing", Lat: 39.9, Lon: 116.4, Radius: 50, ASN: 4134, Org: "CHINANET", Timezone: "Asia/Shanghai"}
	Moscow    = Place{Country: "RU", City: "Moscow", Lat: 55.75, Lon: 37.6, Radius: 20, ASN: 12389, Org: "Rostelecom", Timezone: "Europe/Moscow"}
	Pyongyang = Place{Country: "KP", City: "Pyongyang", Lat: 39.0, Lon: 125.75, Radius: 100, ASN: 131279, Org: "Star JV", Timezone: "Asia/Pyongyang"}
	Chicago   = Place{Country: "US", City: "Chicago", Lat: 41.88, Lon: -87.63, Radius: 20, ASN: 7922, Org: "Comcast", Timezone: "America/Chicago"}
	Dallas    = Place{Country: "US", City: "Dallas", Lat: 32.78, Lon: -96.8, Radius: 20, ASN: 7018, Org: "AT&T", Timezone: "America/Chicago"}
	London    = Place{Country: "GB", City: "London", Lat: 51.5, Lon: -0.12, Radius: 10, ASN: 2856, Org: "BT", Timezone: "Europe/London"}
	Internal  = Place{Internal: true}
)

// Set sets one param of a rule in cfg.
func Set(cfg rules.Config, rule, key string, value any) rules.Config {
	rc := cfg.Rules[rule]
	if rc.Settings == nil {
		rc.Settings = map[string]any{}
	}
	rc.Settings[key] = value
	cfg.Rules[rule] = rc
	return cfg
}

// WithApp marks a session as identified by capture's analyzers.
func WithApp(ev *borderwatch.Event, name, category string, evidence ...string) *borderwatch.Event {
	ev.Borderwatch.App = &borderwatch.App{Name: name, Category: category, Evidence: evidence}
	return ev
}

// Long makes a session last d, ending at its timestamp.
func Long(ev *borderwatch.Event, d time.Duration) *borderwatch.Event {
	ev.Event.Start = ev.Timestamp.Add(-d)
	ev.Event.End = ev.Timestamp
	ev.Event.Duration = int64(d)
	return ev
}

// Messages returns the alerts' messages.
func Messages(alerts []*borderwatch.Event) []string {
	out := make([]string, len(alerts))
	for i, a := range alerts {
		out[i] = a.Borderwatch.Alert.Severity + ": " + a.Message
	}
	return out
}

// Roster writes a roster CSV into dir and returns its path.
func Roster(tb testing.TB, csv string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "roster.csv")
	if err := os.WriteFile(p, []byte(csv), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}
