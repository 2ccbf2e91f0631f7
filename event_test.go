package borderwatch

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func ptr[T any](v T) *T { return &v }

// sampleEvents covers every object of the model: an authentication event, a network session
// and an alert.
func sampleEvents() map[string]*Event {
	ts := time.Date(2026, 11, 20, 8, 14, 3, 120_000_000, time.UTC)
	auth := &Event{
		Timestamp: ts,
		Event: EventMeta{Kind: KindEvent, Category: []string{CategoryAuthentication, CategorySession},
			Type: []string{"start"}, Action: "user.session.start", Outcome: OutcomeSuccess,
			Dataset: "borderwatch.okta", Module: "okta", ID: "a1b2c3"},
		Source: Endpoint{IP: netip.MustParseAddr("95.24.0.10"), Port: 51234,
			Geo: &Geo{CountryISOCode: "RU", CountryName: "Russia", CityName: "Moscow", RegionName: "Moscow",
				Location: &GeoPoint{Lat: 55.7522, Lon: 37.6156}, Timezone: "Europe/Moscow", AccuracyRadius: 20},
			AS: &AS{Number: 3216, Organization: Organization{Name: "PJSC Vimpelcom"}}},
		Client:    &Endpoint{Geo: &Geo{CountryName: "Russia", CityName: "Moscow"}},
		User:      User{Name: "alice", Domain: "example.com", Email: "alice@example.com", ID: "00u1"},
		UserAgent: &UserAgent{Original: "Mozilla/5.0"},
		Observer:  Observer{Vendor: "Okta", Product: "Okta System Log"},
		Borderwatch: Borderwatch{
			Input:  &Input{Type: "file", Path: "okta.ndjson", Line: 7},
			Auth:   &Auth{SessionID: "102abc", MFA: "push", Interactive: ptr(true)},
			Vendor: &Vendor{RiskLevel: "HIGH", IsProxy: ptr(false), Tunnels: []string{"Astrill"}},
			Source: &Intel{Lists: []ListHit{{Name: "x4b-vpn", Category: "vpn", Provider: "astrill"}}, Categories: []string{"vpn"}},
		},
	}
	auth.SetOriginal(`{"uuid":"a1b2c3"}`)
	flow := &Event{
		Timestamp: ts,
		Event: EventMeta{Kind: KindEvent, Category: []string{CategoryNetwork, CategorySession},
			Type: []string{"connection", "end"}, Dataset: "borderwatch.flow",
			Start: ts.Add(-90 * time.Second), End: ts},
		Source:      Endpoint{IP: netip.MustParseAddr("10.1.2.3"), Port: 50000, Bytes: 1200, Packets: 10},
		Destination: Endpoint{IP: netip.MustParseAddr("2001:db8::7"), Port: 443, Bytes: 90000, Packets: 70, Domain: "master1.teamviewer.com"},
		Network: Network{Transport: "tcp", Protocol: "tls", Type: "ipv6", IANANumber: "6",
			CommunityID: "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", Direction: DirectionOutbound, Bytes: 91200, Packets: 80,
			VLAN: &VLAN{ID: "42"}},
		TLS: &TLS{Version: "1.3", VersionProtocol: "tls", Client: &TLSClient{ServerName: "master1.teamviewer.com",
			JA3: "e7d705a3286e19ea42f587b344ee6865", JA4: "t13d1516h2_8daaf6152771_02713d6af862", ALPN: []string{"h2"}}},
		Borderwatch: Borderwatch{
			Flow: &Flow{Final: true, Reason: "fin", TCPFlags: []string{"SYN", "ACK", "FIN"}},
			App:  &App{Name: "teamviewer", Category: "remote_access", Evidence: []string{"sni:master1.teamviewer.com"}},
		},
	}
	alert := &Event{
		Timestamp: ts,
		Message:   "Successful login from Russia, a watched country.",
		Event: EventMeta{Kind: KindAlert, Category: []string{CategoryThreat, CategoryAuthentication},
			Severity: 73, RiskScore: 73, Dataset: "borderwatch.alert"},
		Rule:   &RuleInfo{ID: "watched_country", Name: "Login or egress to a watched country", Version: "1"},
		Threat: &Threat{Framework: "MITRE ATT&CK", Tactic: ThreatEntity{ID: []string{"TA0001"}, Name: []string{"Initial Access"}}},
		Source: auth.Source,
		User:   auth.User,
		Borderwatch: Borderwatch{Alert: &Alert{Severity: "high", Key: "alice", Count: 1, FirstSeen: ts, LastSeen: ts,
			Reasons: []string{"country RU is on the watched list (CN, RU, KP)"}, Countries: []string{"RU"},
			Refs: []string{"ref1"}}},
	}
	return map[string]*Event{"auth": auth, "flow": flow, "alert": alert}
}

func TestEventJSONGolden(t *testing.T) {
	for name, ev := range sampleEvents() {
		t.Run(name, func(t *testing.T) {
			Normalize(ev)
			got, err := json.MarshalIndent(ev, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "event_"+name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("JSON differs from %s (go test -update rewrites it):\n%s", path, got)
			}

			var back Event
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&back, ev) {
				t.Errorf("round trip changed the event:\n got %+v\nwant %+v", back, *ev)
			}
		})
	}
}

func TestEventJSONNoZeroGeo(t *testing.T) {
	ev := &Event{Timestamp: time.Unix(0, 0), Source: Endpoint{IP: netip.MustParseAddr("192.0.2.1")}}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`"geo"`, `"lat"`, `"destination"`, `"as"`, `"rule"`, `"tls"`, `"borderwatch"`} {
		if strings.Contains(string(b), bad) {
			t.Errorf("empty %s serialized: %s", bad, b)
		}
	}
}

func TestDocumentIDDeterministicAndDistinct(t *testing.T) {
	evs := sampleEvents()
	seen := map[string]string{}
	for name, ev := range evs {
		id := ev.DocumentID()
		if id == "" || len(id) != 20 {
			t.Fatalf("%s: id %q, want 20 characters", name, id)
		}
		if again := sampleEvents()[name].DocumentID(); again != id {
			t.Errorf("%s: id not deterministic: %q then %q", name, id, again)
		}
		if other, dup := seen[id]; dup {
			t.Errorf("%s and %s share id %s", name, other, id)
		}
		seen[id] = name
	}
	// The same raw line in another dataset is another document.
	a, b := sampleEvents()["auth"], sampleEvents()["auth"]
	a.Event.ID, b.Event.ID = "", ""
	b.Event.Dataset = "borderwatch.other"
	if a.DocumentID() == b.DocumentID() {
		t.Error("dataset does not separate ids of identical raw input")
	}
	// Interim and final records of one flow differ.
	f1, f2 := sampleEvents()["flow"], sampleEvents()["flow"]
	f2.Timestamp = f2.Timestamp.Add(time.Minute)
	if f1.DocumentID() == f2.DocumentID() {
		t.Error("flow records at different times share an id")
	}
}

func TestNormalize(t *testing.T) {
	ev := sampleEvents()["flow"]
	ev.Timestamp = ev.Timestamp.In(time.FixedZone("X", 3600))
	ev.Source.NAT = &NAT{IP: netip.MustParseAddr("10.9.9.9")}
	Normalize(ev)
	if ev.Timestamp.Location() != time.UTC {
		t.Errorf("timestamp not UTC: %v", ev.Timestamp.Location())
	}
	if ev.Event.Duration != int64(90*time.Second) {
		t.Errorf("duration %d, want 90s", ev.Event.Duration)
	}
	wantIPs := []string{"10.1.2.3", "2001:db8::7", "10.9.9.9"}
	if len(ev.Related.IP) != len(wantIPs) {
		t.Fatalf("related.ip %v, want %v", ev.Related.IP, wantIPs)
	}
	for i, w := range wantIPs {
		if ev.Related.IP[i].String() != w {
			t.Errorf("related.ip[%d] = %s, want %s", i, ev.Related.IP[i], w)
		}
	}
	if len(ev.Related.Hosts) != 1 || ev.Related.Hosts[0] != "master1.teamviewer.com" {
		t.Errorf("related.hosts %v", ev.Related.Hosts)
	}
	if ev.Borderwatch.ID == "" || ev.Borderwatch.ID != ev.DocumentID() {
		t.Errorf("borderwatch.id %q not the document id", ev.Borderwatch.ID)
	}
	id := ev.Borderwatch.ID
	Normalize(ev) // idempotent
	if len(ev.Related.IP) != 3 || ev.Borderwatch.ID != id {
		t.Errorf("second Normalize changed the event: %v %q", ev.Related.IP, ev.Borderwatch.ID)
	}
}

func TestSetOriginalCaps(t *testing.T) {
	var ev Event
	ev.SetOriginal(strings.Repeat("x", MaxOriginal+10))
	if len(ev.Event.Original) != MaxOriginal || !ev.HasTag("original_truncated") {
		t.Errorf("original %d bytes, tags %v", len(ev.Event.Original), ev.Tags)
	}
}
