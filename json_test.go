package borderwatch

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/netip"
	"testing"
	"time"
)

// stdJSON is the reference: encoding/json without HTML escaping, no trailing newline.
func stdJSON(t testing.TB, ev *Event) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	evs := sampleEvents()
	evs["empty"] = &Event{}
	evs["odd strings"] = &Event{Message: "a\"b\\c\n\r\t\b\f\x00\x1f <>&\u2028\u2029 \xff\xfe ü 😀",
		Labels: Labels{"z": "1", "a": "<2>", "m": ""}, Tags: []string{}, User: User{Roles: []string{}}}
	evs["floats"] = &Event{Event: EventMeta{RiskScore: 1e-7}, Source: Endpoint{Geo: &Geo{Location: &GeoPoint{Lat: -0.000001, Lon: 1e21}}},
		Borderwatch: Borderwatch{Alert: &Alert{DistanceKm: 123456.789, SpeedKmh: 0.1}}}
	evs["ipv6 zone and nil pointers"] = &Event{Source: Endpoint{IP: netip.MustParseAddr("fe80::1%eth0")},
		Observer:    Observer{IP: []netip.Addr{{}, netip.MustParseAddr("::ffff:1.2.3.4")}, Ingress: &Interface{}},
		Borderwatch: Borderwatch{Auth: &Auth{}, Flow: &Flow{VLANs: []uint16{1, 4094}}}}
	for name, ev := range evs {
		t.Run(name, func(t *testing.T) {
			Normalize(ev)
			want := stdJSON(t, ev)
			got := ev.AppendJSON(nil)
			if !bytes.Equal(got, want) {
				t.Errorf("AppendJSON differs from encoding/json:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// FuzzAppendJSON fills an event's string, number and time fields from fuzz input and checks
// that AppendJSON and encoding/json agree byte for byte.
func FuzzAppendJSON(f *testing.F) {
	f.Add("frank", "1.192.0.10", int64(0), 34.75, uint64(12))
	f.Add("\xff\x00\"\\\u2028", "2001:db8::1", int64(-1), math.Inf(1), uint64(0))
	f.Add("", "", int64(1<<62), 1e-9, uint64(1<<63))
	f.Fuzz(func(t *testing.T, s, ip string, n int64, fl float64, u uint64) {
		if math.IsNaN(fl) || math.IsInf(fl, 0) {
			return // encoding/json refuses them; AppendJSON writes null
		}
		ts := time.Unix(0, n).UTC()
		if ts.Year() < 0 || ts.Year() > 9999 {
			return // time.Time.MarshalJSON refuses them
		}
		addr, _ := netip.ParseAddr(ip)
		var vlan [2]byte
		binary.BigEndian.PutUint16(vlan[:], uint16(u))
		ev := &Event{
			Timestamp: ts, Message: s, Tags: []string{s, ip}, Labels: Labels{s: ip},
			Event:       EventMeta{Action: s, Severity: int(n % 100), RiskScore: fl, Duration: n, Start: ts},
			Source:      Endpoint{IP: addr, Port: uint16(u), Bytes: u, Geo: &Geo{CityName: s, Location: &GeoPoint{Lat: fl, Lon: -fl}, AccuracyRadius: uint16(u)}},
			User:        User{Name: s, Roles: []string{s}},
			Network:     Network{CommunityID: ip, Bytes: u},
			Borderwatch: Borderwatch{Alert: &Alert{DistanceKm: fl, Count: int(n % 7), Reasons: []string{s}}, Flow: &Flow{VLANs: []uint16{uint16(u), binary.BigEndian.Uint16(vlan[:])}}},
		}
		if got, want := ev.AppendJSON(nil), stdJSON(t, ev); !bytes.Equal(got, want) {
			t.Fatalf("AppendJSON differs:\n got %s\nwant %s", got, want)
		}
	})
}

func BenchmarkAppendJSON(b *testing.B) {
	ev := sampleEvents()["auth"]
	Normalize(ev)
	b.Run("generated", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for i := 0; i < b.N; i++ {
			buf = ev.AppendJSON(buf[:0])
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		enc := json.NewEncoder(&bytes.Buffer{})
		enc.SetEscapeHTML(false)
		var buf bytes.Buffer
		enc = json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for i := 0; i < b.N; i++ {
			buf.Reset()
			_ = enc.Encode(ev)
		}
		b.SetBytes(int64(buf.Len()))
	})
}

// TestAppendTime compares the UTC fast path and the fallback with time.Time.MarshalJSON.
func TestAppendTime(t *testing.T) {
	east := time.FixedZone("", 5*3600+30*60)
	tests := []time.Time{
		{},
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 22, 15, 4, 5, 120000000, time.UTC),
		time.Date(2026, 11, 22, 15, 4, 5, 100, time.UTC),
		time.Date(2026, 11, 22, 15, 4, 5, 123456789, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 22, 15, 4, 5, 5000, east),
		time.Date(2026, 11, 22, 15, 4, 5, 0, time.FixedZone("x", -8*3600)),
		time.Unix(1700000000, 42).In(time.Local),
		time.Unix(1700000000, 42).UTC(),
	}
	for _, ts := range tests {
		want, err := ts.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if got := appendTime(nil, ts); !bytes.Equal(got, want) {
			t.Errorf("appendTime(%v) = %s, want %s", ts, got, want)
		}
	}
}
