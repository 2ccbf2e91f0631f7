package scenario

import (
	"fmt"
	"time"
)

var cincinnati = city{"Cincinnati", "US", "America/New_York", 39.1, -84.5}

func (g *gen) plant(c Case) {
	g.s.Cases = append(g.s.Cases, c)
}

func (g *gen) claim(user string, c city) {
	g.roster = append(g.roster, fmt.Sprintf("%s,%s,%s", user, c.Country, c.TZ))
}

// baseline gives a user ordinary working-hours logins from home for every weekday.
func (g *gen) baseline(user string, c city, ip string, as isp, skip func(d int) bool) {
	for d := range g.o.Days {
		day := g.day(d)
		if !weekday(day) || (skip != nil && skip(d)) {
			continue
		}
		for range 2 {
			ep, in := endpoint(ip, c, 20, as, nil, "")
			g.login(localTime(day, c.TZ, 9+g.r.IntN(8), g.r.IntN(60)), user, ep, in, "success")
		}
	}
}

func (g *gen) planted() {
	comcast := homeISPs[0]

	// 1. A DPRK-style worker cell: four identities behind one US laptop-farm address, working
	// Beijing's day (night in Chicago, the claimed zone), with Astrill sessions interleaved.
	farm := []string{"farm-kim", "farm-lee", "farm-park", "farm-choi"}
	for _, u := range farm {
		g.claim(u, homeCities[0])
	}
	for d := 7; d < g.o.Days; d++ {
		day := g.day(d)
		if !weekday(day) {
			continue
		}
		for k, u := range farm {
			for j := range 3 {
				t := day.Add(time.Duration(1+j*3+k%2)*time.Hour + time.Duration(g.r.IntN(50))*time.Minute)
				ep, in := endpoint("73.45.12.9", nashville, 20, comcast, nil, "")
				g.login(t, u, ep, in, "success")
			}
			exit := []city{hongKong, dallas}[(d+k)%2]
			ep, in := endpoint(fmt.Sprintf("45.137.21.%d", 10+k), exit, 10, astrillAS, []string{"vpn", "hosting"}, "astrill")
			g.login(day.Add(time.Duration(4+k)*time.Hour+30*time.Minute), u, ep, in, "success")
		}
	}
	g.plant(Case{ID: "laptop_farm_dprk", Description: "four identities on one US laptop-farm IP, working Beijing hours, Astrill interleaved",
		Rules: []string{"shared_source", "off_hours", "anonymizer_login", "impossible_travel"}, Subjects: farm})

	// 2. Impossible travel: Chicago, then São Paulo an hour later.
	g.claim("trav-ana", homeCities[0])
	g.baseline("trav-ana", homeCities[0], "67.160.1.20", comcast, nil)
	{
		day := g.day(15)
		ep, in := endpoint("67.160.1.20", homeCities[0], 20, comcast, nil, "")
		g.login(localTime(day, "America/Chicago", 7, 0), "trav-ana", ep, in, "success")
		ep, in = endpoint("177.72.10.4", saoPaulo, 20, isp{28573, "Claro"}, nil, "")
		g.login(localTime(day, "America/Chicago", 8, 0), "trav-ana", ep, in, "success")
	}
	g.plant(Case{ID: "impossible_travel", Description: "Chicago then São Paulo one hour later", Rules: []string{"impossible_travel"}, Subjects: []string{"trav-ana"}})

	// 3. A successful login from Beijing after a Seattle baseline; failed logins from Moscow.
	g.claim("cn-bo", homeCities[3])
	g.baseline("cn-bo", homeCities[3], "71.212.4.8", homeISPs[2], nil)
	{
		ep, in := endpoint("222.128.7.30", beijing, 50, chinanet, nil, "")
		g.login(localTime(g.day(20), "America/Los_Angeles", 23, 0), "cn-bo", ep, in, "success")
	}
	g.plant(Case{ID: "cn_login", Description: "successful login from Beijing", Rules: []string{"watched_country", "new_country", "claimed_location"}, Subjects: []string{"cn-bo"}})
	g.claim("ru-target", homeCities[1])
	g.baseline("ru-target", homeCities[1], "96.224.5.6", homeISPs[2], nil)
	for k := range 5 {
		ep, in := endpoint("95.165.30.2", moscow, 20, rostele, nil, "")
		g.login(g.day(12).Add(3*time.Hour+time.Duration(k)*time.Minute), "ru-target", ep, in, "failure")
	}
	g.plant(Case{ID: "ru_failures", Description: "failed logins from Moscow", Rules: []string{"watched_country"}, Subjects: []string{"ru-target"}})

	// 4. A home IP shared by four employees working ordinary hours.
	home := []string{"home-a", "home-b", "home-c", "home-d"}
	for _, u := range home {
		g.claim(u, homeCities[4])
		g.baseline(u, homeCities[4], "68.80.1.5", comcast, nil)
	}
	g.plant(Case{ID: "shared_home_ip", Description: "four employees behind one home IP", Rules: []string{"shared_source"}, Subjects: home})

	// 5. Always-on: a login session of 30 h every week, and a 50 h AnyDesk session.
	g.claim("alwayson-eve", homeCities[5])
	g.baseline("alwayson-eve", homeCities[5], "73.184.9.9", comcast, nil)
	for d := 3; d < g.o.Days; d += 7 {
		ep, in := endpoint("73.184.9.9", homeCities[5], 20, comcast, nil, "")
		ev := g.login(g.day(d).Add(20*time.Hour), "alwayson-eve", ep, in, "success")
		ev.Event.Category = append(ev.Event.Category, "session")
		ev.Event.Type = []string{"end"}
		ev.Event.Action = "user.session.end"
		ev.Event.Start = ev.Timestamp.Add(-30 * time.Hour)
		ev.Event.End = ev.Timestamp
	}
	g.plant(Case{ID: "always_on_login", Description: "30-hour login sessions", Rules: []string{"long_session"}, Subjects: []string{"alwayson-eve"}})
	{
		ep, in := endpoint("203.0.113.81", frankfurt, 50, isp{24940, "Hetzner"}, []string{"hosting"}, "hetzner")
		g.session(g.day(10).Add(14*time.Hour), "10.9.0.5", ep, in, 6568, 50*time.Hour, 80e6, 900e6, "anydesk", "remote_access")
	}
	g.plant(Case{ID: "always_on_anydesk", Description: "a 50-hour AnyDesk session", Rules: []string{"long_session", "remote_access_tool"}, Subjects: []string{"10.9.0.5"}})

	// 6. Night work for the claimed timezone (New York) from a New York home address.
	g.claim("night-jo", homeCities[1])
	for d := range g.o.Days {
		day := g.day(d)
		if !weekday(day) {
			continue
		}
		for j := range 3 {
			ep, in := endpoint("108.30.2.2", homeCities[1], 20, homeISPs[2], nil, "")
			g.login(localTime(day, "America/New_York", 21, 30).Add(time.Duration(j*2)*time.Hour+time.Duration(g.r.IntN(40))*time.Minute), "night-jo", ep, in, "success")
		}
	}
	g.plant(Case{ID: "night_worker", Description: "works 21:30-03:30 in the claimed New York timezone", Rules: []string{"off_hours"}, Subjects: []string{"night-jo"}})

	// 7. A new country after a long baseline.
	g.claim("nc-liz", homeCities[6])
	g.baseline("nc-liz", homeCities[6], "73.4.5.6", comcast, func(d int) bool { return d == 25 })
	{
		ep, in := endpoint("105.112.4.4", lagos, 50, isp{36873, "Airtel Nigeria"}, nil, "")
		g.login(localTime(g.day(25), "Africa/Lagos", 14, 0), "nc-liz", ep, in, "success")
	}
	g.plant(Case{ID: "new_country", Description: "Boston user, one login from Lagos", Rules: []string{"new_country", "claimed_location"}, Subjects: []string{"nc-liz"}})

	// 8. A→B→A within 90 minutes at plausible speeds (a replayed session).
	g.claim("rt-max", homeCities[0])
	g.baseline("rt-max", homeCities[0], "67.160.9.9", comcast, func(d int) bool { return d == 18 })
	{
		day := g.day(18)
		for j, c := range []city{homeCities[0], cincinnati, homeCities[0]} {
			ip := "67.160.9.9"
			if j == 1 {
				ip = "66.42.7.7"
			}
			ep, in := endpoint(ip, c, 20, comcast, nil, "")
			g.login(localTime(day, "America/Chicago", 10, 0).Add(time.Duration(j*40)*time.Minute), "rt-max", ep, in, "success")
		}
	}
	g.plant(Case{ID: "round_trip", Description: "Chicago → Cincinnati → Chicago in 80 minutes", Rules: []string{"impossible_travel"}, Subjects: []string{"rt-max"}})

	// 9. Network: a second remote-access tool next to the sanctioned one; WireGuard and Astrill
	// from workstations; 2 GB to China in one day.
	tvEp, tvIn := endpoint("203.0.113.200", frankfurt, 50, isp{24940, "TeamViewer"}, []string{"hosting"}, "teamviewer")
	g.session(g.day(8).Add(15*time.Hour), "10.9.0.7", tvEp, tvIn, 5938, time.Hour, 5e6, 20e6, "teamviewer", "remote_access")
	adEp, adIn := endpoint("203.0.113.81", frankfurt, 50, isp{24940, "Hetzner"}, []string{"hosting"}, "hetzner")
	g.session(g.day(9).Add(3*time.Hour), "10.9.0.7", adEp, adIn, 6568, 2*time.Hour, 5e6, 80e6, "anydesk", "remote_access")
	g.plant(Case{ID: "second_remote_tool", Description: "AnyDesk next to the sanctioned TeamViewer", Rules: []string{"remote_access_tool"}, Subjects: []string{"10.9.0.7"}})

	wgEp, wgIn := endpoint("185.12.4.4", city{"Amsterdam", "NL", "Europe/Amsterdam", 52.37, 4.9}, 20, isp{60781, "LeaseWeb"}, []string{"hosting"}, "leaseweb")
	g.session(g.day(11).Add(16*time.Hour), "10.9.0.8", wgEp, wgIn, 51820, 3*time.Hour, 30e6, 300e6, "wireguard", "vpn")
	g.plant(Case{ID: "wireguard", Description: "WireGuard from a workstation", Rules: []string{"vpn_protocol"}, Subjects: []string{"10.9.0.8"}})

	asEp, asIn := endpoint("45.137.21.50", hongKong, 10, astrillAS, []string{"vpn", "hosting"}, "astrill")
	for d := 14; d < 16; d++ {
		g.session(g.day(d).Add(2*time.Hour), "10.9.0.9", asEp, asIn, 443, 6*time.Hour, 40e6, 400e6, "", "")
	}
	g.plant(Case{ID: "astrill_tunnel", Description: "TLS sessions to an Astrill range", Rules: []string{"vpn_protocol"}, Subjects: []string{"10.9.0.9"}})

	cnEp, cnIn := endpoint("222.128.7.31", beijing, 50, chinanet, nil, "")
	for k := range 4 {
		g.session(g.day(21).Add(time.Duration(2+k)*time.Hour), "10.9.0.10", cnEp, cnIn, 443, 40*time.Minute, 500e6, 2e6, "", "")
	}
	g.plant(Case{ID: "bulk_egress_cn", Description: "2 GB to Beijing in one day", Rules: []string{"egress_volume", "watched_country"}, Subjects: []string{"10.9.0.10"}})
}
