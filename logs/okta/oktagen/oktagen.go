package oktagen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

var (
	types = []string{"user.session.start", "user.authentication.sso", "user.authentication.auth_via_mfa",
		"policy.evaluate_sign_on", "user.session.end", "user.authentication.verify"}
	results = []string{"SUCCESS", "SUCCESS", "SUCCESS", "FAILURE", "ALLOW", "DENY", "CHALLENGE"}
	places  = []struct {
		city, state, country string
		lat, lon             float64
	}{
		{"Frankfurt am Main", "Hesse", "Germany", 50.1155, 8.6842},
		{"Ashburn", "Virginia", "United States", 39.0469, -77.4903},
		{"Shenyang", "Liaoning", "China", 41.7922, 123.4328},
		{"Moscow", "Moscow", "Russia", 55.7522, 37.6156},
		{"Singapore", "", "Singapore", 1.2897, 103.8501},
		{"São Paulo", "São Paulo", "Brazil", -23.5475, -46.6361},
	}
	agents = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
		"Okta Verify/9.12.0 (Android 14)",
	}
)

// Write writes n events to w, one per line, starting at start and one second apart.
func Write(w io.Writer, n int, seed uint64, start time.Time) error {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	bw := bufio.NewWriterSize(w, 1<<20)
	for i := 0; i < n; i++ {
		if _, err := bw.Write(Event(r, i, start)); err != nil {
			return err
		}
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Event returns the i-th synthetic event (about 1.6 KB of JSON).
func Event(r *rand.Rand, i int, start time.Time) []byte {
	user := r.IntN(5000)
	p := places[r.IntN(len(places))]
	// Each user signs in from a few addresses of their own, as in real logs.
	h := uint32(user)*2654435761 + uint32(r.IntN(3))*40503
	ip := fmt.Sprintf("%d.%d.%d.%d", 1+h%222, h>>8&255, h>>16&255, 1+h>>24%254)
	if h%10 == 0 {
		ip = fmt.Sprintf("2001:db8:%x:%x::%x", h&0xffff, h>>16, 1+h%65535)
	}
	ts := start.Add(time.Duration(i) * time.Second).UTC().Format("2006-01-02T15:04:05.000Z")
	return fmt.Appendf(nil, `{"uuid":"%08x-%04x-11ef-9a2b-%012x","published":"%s","eventType":"%s","version":"0","severity":"INFO",`+
		`"displayMessage":"User login to Okta","actor":{"id":"00u%08d","type":"User","alternateId":"user%d@example.com","displayName":"User %d","detailEntry":null},`+
		`"client":{"userAgent":{"rawUserAgent":"%s","os":"Windows 10","browser":"CHROME"},"zone":"null","device":"Computer","id":null,"ipAddress":"%s",`+
		`"geographicalContext":{"city":"%s","state":"%s","country":"%s","postalCode":null,"geolocation":{"lat":%.4f,"lon":%.4f}}},`+
		`"outcome":{"result":"%s","reason":null},"target":[{"id":"0oa1ab2cd3EF4gh5ij6k","type":"AppInstance","alternateId":"Salesforce.com","displayName":"Salesforce.com","detailEntry":null}],`+
		`"transaction":{"type":"WEB","id":"Zj%010d","detail":{}},`+
		`"debugContext":{"debugData":{"requestId":"Zj%010d","requestUri":"/idp/idx/identify","threatSuspected":"false","url":"/idp/idx/identify?",`+
		`"risk":"{reasons=Anomalous Device, New Geo-Location, level=%s}","behaviors":"{New Geo-Location=%s, New Device=NEGATIVE, New IP=POSITIVE, Velocity=NEGATIVE}","dtHash":"%016x"}},`+
		`"authenticationContext":{"authenticationProvider":null,"credentialProvider":null,"credentialType":null,"issuer":null,"interface":null,"authenticationStep":0,"externalSessionId":"102%020d"},`+
		`"securityContext":{"asNumber":%d,"asOrg":"Example Networks","isp":"Example Networks","domain":"example.net","isProxy":%t},`+
		`"request":{"ipChain":[{"ip":"%s","geographicalContext":{"city":"%s","state":"%s","country":"%s","postalCode":null,"geolocation":{"lat":%.4f,"lon":%.4f}},"version":"V4","source":null}]}}`,
		uint32(i), r.IntN(65536), r.Uint64()&0xffffffffffff, ts, types[r.IntN(len(types))],
		user, user, user, agents[r.IntN(len(agents))], ip, p.city, p.state, p.country, p.lat, p.lon,
		results[r.IntN(len(results))], i, i, []string{"LOW", "MEDIUM", "HIGH"}[r.IntN(3)],
		[]string{"POSITIVE", "NEGATIVE"}[r.IntN(2)], r.Uint64(), i, 1000+r.IntN(60000), r.IntN(8) == 0,
		ip, p.city, p.state, p.country, p.lat, p.lon)
}
