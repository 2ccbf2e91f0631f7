package report

import (
	"net/netip"
	"time"

	"github.com/borderwatch/borderwatch"
)

// day is the start of the sample day every fixture below uses.
var day = time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)

type place struct {
	country, city string
	lat, lon      float64
	asn           uint32
	org           string
}

var (
	berlin  = place{"DE", "Berlin", 52.52, 13.40, 3320, "Deutsche Telekom AG"}
	beijing = place{"CN", "Beijing", 39.90, 116.40, 4134, "Chinanet"}
	newYork = place{"US", "New York", 40.71, -74.01, 7922, "Comcast Cable"}
	moscow  = place{"RU", "Moscow", 55.75, 37.62, 12389, "Rostelecom"}
	tokyo   = place{"JP", "Tokyo", 35.68, 139.69, 2516, "KDDI"}
	seattle = place{"US", "Seattle", 47.61, -122.33, 7922, "Comcast Cable"}
	sydney  = place{"AU", "Sydney", -33.87, 151.21, 1221, "Telstra"}
	fremont = place{"US", "Fremont", 37.55, -121.99, 9009, "M247 Europe SRL"}
)

func endpoint(ip string, p place) borderwatch.Endpoint {
	return borderwatch.Endpoint{
		IP:  netip.MustParseAddr(ip),
		Geo: &borderwatch.Geo{CountryISOCode: p.country, CityName: p.city, Location: &borderwatch.GeoPoint{Lat: p.lat, Lon: p.lon}},
		AS:  &borderwatch.AS{Number: p.asn, Organization: borderwatch.Organization{Name: p.org}},
	}
}

func login(user string, at time.Duration, ip string, p place, outcome string) *borderwatch.Event {
	ev := &borderwatch.Event{Timestamp: day.Add(at), Source: endpoint(ip, p), User: borderwatch.User{Name: user}}
	ev.Event = borderwatch.EventMeta{Kind: "event", Category: []string{"authentication"}, Type: []string{"start"},
		Action: "user.session.start", Outcome: outcome, Dataset: "borderwatch.okta", Module: "okta"}
	borderwatch.Normalize(ev)
	return ev
}

func alert(rule, sev string, trigger *borderwatch.Event, msg string) *borderwatch.Event {
	a := &borderwatch.Event{Timestamp: trigger.Timestamp, Message: msg, User: trigger.User, Source: trigger.Source}
	a.Event = borderwatch.EventMeta{Kind: "alert", Category: []string{"threat", "authentication"}}
	a.Rule = &borderwatch.RuleInfo{ID: rule, Name: rule}
	a.Borderwatch.Alert = &borderwatch.Alert{Severity: sev, Key: trigger.User.Name, Count: 1, FirstSeen: trigger.Timestamp,
		LastSeen: trigger.Timestamp, Refs: []string{trigger.DocumentID()}}
	borderwatch.Normalize(a)
	return a
}

func flow(src string, dst string, p place, at time.Duration, bytes uint64, app *borderwatch.App) *borderwatch.Event {
	ev := &borderwatch.Event{Timestamp: day.Add(at), Source: borderwatch.Endpoint{IP: netip.MustParseAddr(src)}, Destination: endpoint(dst, p)}
	ev.Destination.Port = 443
	ev.Event = borderwatch.EventMeta{Kind: "event", Category: []string{"network", "session"}, Type: []string{"connection", "end"},
		Dataset: "borderwatch.flow", Start: day.Add(at - 10*time.Minute), End: day.Add(at)}
	ev.Network = borderwatch.Network{Transport: "tcp", Direction: "outbound", Bytes: bytes, Packets: bytes / 1000, CommunityID: "1:" + src + dst}
	ev.Borderwatch.Flow = &borderwatch.Flow{Final: true, Reason: "fin"}
	ev.Borderwatch.App = app
	borderwatch.Normalize(ev)
	return ev
}

// sampleDay returns a day of mixed events and the alerts rules would raise on them, in the
// order a pipeline hands them to its sinks.
func sampleDay() []*borderwatch.Event {
	var evs []*borderwatch.Event
	add := func(e ...*borderwatch.Event) { evs = append(evs, e...) }

	// alice: Berlin, then Beijing an hour later.
	a1 := login("alice", 8*time.Hour, "198.51.100.10", berlin, "success")
	a2 := login("alice", 9*time.Hour, "203.0.113.20", beijing, "success")
	add(a1, a2)
	travel := alert("impossible_travel", "critical", a2, "alice logged in from Beijing, CN 1 h after Berlin, DE: 7360 km at 7360 km/h.")
	travel.Borderwatch.Alert.Previous = &a1.Source
	travel.Borderwatch.Alert.PreviousTime = a1.Timestamp
	travel.Borderwatch.Alert.DistanceKm, travel.Borderwatch.Alert.SpeedKmh = 7360, 7360
	travel.Borderwatch.Alert.Refs = append([]string{a1.DocumentID()}, travel.Borderwatch.Alert.Refs...)
	travel.Borderwatch.ID = ""
	borderwatch.Normalize(travel)
	add(travel, alert("watched_country", "high", a2, "alice logged in from CN (Chinanet)."))

	// bob: New York all day, one failure from Moscow.
	for h := 7; h < 18; h += 2 {
		add(login("bob", time.Duration(h)*time.Hour, "198.51.100.30", newYork, "success"))
	}
	b := login("bob", 12*time.Hour+5*time.Minute, "203.0.113.40", moscow, "failure")
	add(b)

	// carol: Tokyo then Sydney (improbable), and an anonymizer login from a hosting range.
	c1 := login("carol", 1*time.Hour, "198.51.100.50", tokyo, "success")
	c2 := login("carol", 10*time.Hour, "198.51.100.51", sydney, "success")
	add(c1, c2)
	imp := alert("impossible_travel", "medium", c2, "carol logged in from Sydney, AU 9 h after Tokyo, JP: 7820 km at 869 km/h.")
	imp.Borderwatch.Alert.Previous, imp.Borderwatch.Alert.PreviousTime = &c1.Source, c1.Timestamp
	imp.Borderwatch.Alert.DistanceKm, imp.Borderwatch.Alert.SpeedKmh = 7820, 869
	add(imp)
	c3 := login("carol", 20*time.Hour, "192.0.2.77", fremont, "success")
	c3.Borderwatch.Source = &borderwatch.Intel{Categories: []string{"vpn", "hosting"}, Lists: []borderwatch.ListHit{{Name: "astrill", Category: "vpn", Provider: "astrill"}}}
	add(c3, alert("anonymizer_login", "high", c3, "carol logged in through Astrill VPN (M247)."))

	// A laptop farm: three users from one Seattle address.
	var farm []*borderwatch.Event
	for i, u := range []string{"dave", "erin", "frank"} {
		e := login(u, 14*time.Hour+time.Duration(i)*time.Minute, "198.51.100.99", seattle, "success")
		farm = append(farm, e)
		add(e)
	}
	shared := alert("shared_source", "high", farm[2], "3 users logged in from 198.51.100.99 within 24 h.")
	shared.User = borderwatch.User{}
	shared.Borderwatch.Alert.Users = []string{"dave", "erin", "frank"}
	shared.Borderwatch.Alert.Key = "198.51.100.99"
	add(shared)

	// Network: an internal host talks to Moscow; another runs TeamViewer.
	add(flow("10.1.2.3", "203.0.113.80", moscow, 3*time.Hour, 5_000_000, nil))
	add(flow("10.1.2.3", "203.0.113.80", moscow, 4*time.Hour, 7_000_000, nil))
	tv := &borderwatch.App{Name: "teamviewer", Category: "remote_access", Evidence: []string{"port:5938", "sni:master1.teamviewer.com"}}
	add(flow("10.1.2.9", "198.51.100.200", berlin, 10*time.Hour, 120_000, tv))
	add(flow("10.1.2.9", "198.51.100.200", berlin, 11*time.Hour, 80_000, tv))
	return evs
}
