// Package asagen writes synthetic Cisco ASA syslog for benchmarks and load tests: AnyConnect,
// WebVPN and IKEv2 sessions, AAA results, and the connection-built/teardown messages that
// make up most of a real ASA stream. Output is deterministic for a seed.
package asagen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// Write writes n lines to w, starting at start, one to ten seconds apart.
func Write(w io.Writer, n int, seed uint64, start time.Time) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	t := start.UTC()
	groups := []string{"GP-Remote", "GP-Contractors", "DfltGrpPolicy"}
	for i := 0; i < n; i++ {
		t = t.Add(time.Duration(1+r.IntN(10)) * time.Second)
		stamp := t.Format("Jan _2 2006 15:04:05")
		user := fmt.Sprintf("user%04d", r.IntN(5000))
		ip := fmt.Sprintf("203.0.%d.%d", r.IntN(256), 1+r.IntN(254))
		inner := fmt.Sprintf("10.99.%d.%d", r.IntN(256), 1+r.IntN(254))
		g := groups[r.IntN(len(groups))]
		var msg string
		switch k := r.IntN(20); {
		case k < 3:
			msg = fmt.Sprintf("%%ASA-6-113039: Group <%s> User <%s> IP <%s> AnyConnect parent session started.", g, user, ip)
		case k < 6:
			msg = fmt.Sprintf("%%ASA-6-722051: Group <%s> User <%s> IP <%s> IPv4 Address <%s> IPv6 address <::> assigned to session", g, user, ip, inner)
		case k < 8:
			msg = fmt.Sprintf("%%ASA-6-722022: Group <%s> User <%s> IP <%s> UDP SVC connection established without compression", g, user, ip)
		case k < 10:
			msg = fmt.Sprintf("%%ASA-4-113019: Group = %s, Username = %s, IP = %s, Session disconnected. Session Type: AnyConnect-Parent, Duration: %dh:%02dm:%02ds, Bytes xmt: %d, Bytes rcv: %d, Reason: User Requested",
				g, user, ip, r.IntN(12), r.IntN(60), r.IntN(60), r.IntN(1<<30), r.IntN(1<<28))
		case k < 12:
			msg = fmt.Sprintf("%%ASA-6-113004: AAA user authentication Successful : server =  10.20.0.15 : user = %s", user)
		case k < 13:
			msg = fmt.Sprintf("%%ASA-6-113005: AAA user authentication Rejected : reason = AAA failure : server = 10.20.0.15 : user = %s : user IP = %s", user, ip)
		case k < 14:
			msg = fmt.Sprintf("%%ASA-6-716001: Group %s User %s IP %s WebVPN session started.", g, user, ip)
		case k < 15:
			msg = fmt.Sprintf("%%ASA-5-751025: Local:198.51.100.1:4500 Remote:%s:4500 Username:%s IKEv2 Group:%s IPv4 Address=%s IPv6 address=:: assigned to session.", ip, user, g, inner)
		case k < 18:
			msg = fmt.Sprintf("%%ASA-6-302013: Built inbound TCP connection %d for outside:%s/%d (%s/%d) to inside:10.1.1.5/443 (10.1.1.5/443)", r.IntN(1<<30), ip, 1024+r.IntN(60000), ip, 1024+r.IntN(60000))
		default:
			msg = fmt.Sprintf("%%ASA-6-302014: Teardown TCP connection %d for outside:%s/%d to inside:10.1.1.5/443 duration 0:00:%02d bytes %d TCP FINs", r.IntN(1<<30), ip, 1024+r.IntN(60000), r.IntN(60), r.IntN(1<<20))
		}
		if _, err := fmt.Fprintf(bw, "<166>%s asa-edge-01 : %s\n", stamp, msg); err != nil {
			return err
		}
	}
	return bw.Flush()
}
