package globalprotect

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/syslog"
	"github.com/borderwatch/borderwatch/logs/syslog/foreign"
)

// Name is the format's registered name and the suffix of its event.dataset.
const Name = "globalprotect"

func init() {
	logs.Register(logs.Format{
		Name:        Name,
		Description: "Palo Alto GlobalProtect (PAN-OS GLOBALPROTECT and SYSTEM/globalprotect CSV syslog)",
		Framing:     logs.FrameLines,
		New:         New,
		Detect:      Detect,
	})
}

// Parser parses PAN-OS CSV syslog lines. Create it with New; it is not safe for concurrent use.
type Parser struct {
	sp     syslog.Parser
	log    *slog.Logger
	fields []string // reused per record; the strings are substrings of the record
}

var _ logs.Parser = (*Parser)(nil)

// New returns a parser configured with the zone (PAN-OS writes local times) and stamp year of
// opts.
func New(opts logs.Options) (logs.Parser, error) {
	lg := opts.Logger
	if lg == nil {
		lg = slog.Default()
	}
	return &Parser{sp: syslog.Parser{Clock: syslog.Clock{Year: opts.Year, Location: opts.Location}}, log: lg.With("format", Name)}, nil
}

// Columns of the GLOBALPROTECT log type.
const (
	colReceiveTime = 1
	colSerial      = 2
	colType        = 3
	colSubtype     = 4
	colGenerated   = 6
	colVsys        = 7
	colEventID     = 8
	colStage       = 9
	colAuthMethod  = 10
	colTunnelType  = 11
	colSrcUser     = 12
	colSrcRegion   = 13
	colMachineName = 14
	colPublicIP    = 15
	colPublicIPv6  = 16
	colPrivateIP   = 17
	colPrivateIPv6 = 18
	colHostID      = 19
	colClientVer   = 21
	colClientOS    = 22
	colClientOSVer = 23
	colReason      = 25
	colError       = 26
	colDescription = 27
	colStatus      = 28
	colLocation    = 29
	colLoginDur    = 30
	colConnect     = 31
	colErrorCode   = 32
	colPortal      = 33
	colSeqno       = 34
	colHighRes     = 36
	colGateway     = 41
	colDeviceName  = 47
	minColumns     = colStatus + 1

	// SYSTEM records
	sysColDescription = 14
	sysColSeqno       = 15
	sysColDeviceName  = 23
)

var panTypes = []string{"TRAFFIC", "THREAT", "SYSTEM", "CONFIG", "HIPMATCH", "USERID", "AUTH", "DECRYPTION", "TUNNEL", "SCTP", "IPTAG", "CORRELATION"}

// Detect scores a line: 100 for GLOBALPROTECT and SYSTEM/globalprotect records, 40 for other
// PAN-OS CSV log types (the same stream; those lines are skipped).
func Detect(rec []byte) int {
	if bytes.Contains(rec, []byte(",GLOBALPROTECT,")) || bytes.Contains(rec, []byte(",SYSTEM,globalprotect,")) {
		return 100
	}
	// "...,2026/11/22 10:15:02,<serial>,TRAFFIC,..."
	for _, t := range panTypes {
		i := bytes.Index(rec, []byte(","+t+","))
		if i < 0 {
			continue
		}
		pre := rec[:i]
		j := bytes.LastIndexByte(pre, ',')
		if j < 0 {
			continue
		}
		k := bytes.LastIndexByte(pre[:j], ',')
		if k >= 19 && bytes.Count(pre[k-19:k], []byte("/")) == 2 && pre[k-19+4] == '/' {
			return 40
		}
	}
	return 0
}

var errNotPAN = errors.New("not a PAN-OS CSV log record")

// Parse turns one record into an event. Other PAN-OS log types and other programs' lines
// return logs.ErrSkip.
func (p *Parser) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	line := syslog.TrimLine(rec.Data)
	h, err := p.sp.Parse(line, rec.Received)
	if err != nil {
		return fmt.Errorf("globalprotect: %w", err)
	}
	body := h.Message
	f, err := splitCSV(p.fields[:0], string(body))
	p.fields = f[:0]
	if err != nil || len(f) < colEventID+1 {
		if h.Kind != syslog.KindNone && Detect(body) == 0 {
			return foreign.Err(Name, line, "no PAN-OS CSV record")
		}
		if err != nil {
			return fmt.Errorf("globalprotect: csv: %w", err)
		}
		return fmt.Errorf("globalprotect: %w", errNotPAN)
	}
	ev := &borderwatch.Event{}
	switch {
	case f[colType] == "GLOBALPROTECT":
		if len(f) < minColumns {
			return fmt.Errorf("globalprotect: %d columns, want at least %d", len(f), minColumns)
		}
		err = p.gp(ev, f, rec)
	case f[colType] == "SYSTEM" && f[colSubtype] == "globalprotect":
		if len(f) <= sysColDescription {
			return fmt.Errorf("globalprotect: SYSTEM record with %d columns", len(f))
		}
		err = p.system(ev, f, rec)
	default:
		if Detect(body) > 0 {
			return fmt.Errorf("globalprotect: PAN-OS %s record: %w", f[colType], logs.ErrSkip)
		}
		if h.Kind != syslog.KindNone {
			return foreign.Err(Name, line, "no PAN-OS CSV record")
		}
		return foreign.Or(Name, line, fmt.Errorf("globalprotect: %w", errNotPAN))
	}
	if err != nil {
		return fmt.Errorf("globalprotect: %w", err)
	}
	if ev.Timestamp.IsZero() {
		ev.Timestamp = h.Time
	}
	if ev.Timestamp.IsZero() {
		return errors.New("globalprotect: no usable time (generated time, receive time or syslog stamp)")
	}
	syslog.Fill(ev, Name, line, rec.Path, rec.Line, rec.Sender)
	ev.Observer.Vendor = "Palo Alto Networks"
	ev.Observer.Product = "PAN-OS"
	ev.Observer.Type = "firewall"
	ev.Observer.SerialNumber = f[colSerial]
	if ev.Observer.Name == "" && len(h.Hostname) > 0 {
		ev.Observer.Name = string(h.Hostname)
	}
	if len(h.Hostname) > 0 {
		ev.Observer.Hostname = string(h.Hostname)
	} else {
		ev.Observer.Hostname = ev.Observer.Name
	}
	if d := ev.Event.Duration; d > 0 && syslog.SaneTime(ev.Timestamp.Add(-time.Duration(d))) {
		ev.Event.End = ev.Timestamp
		ev.Event.Start = ev.Timestamp.Add(-time.Duration(d))
	} else {
		ev.Event.Duration = 0
	}
	emit(ev)
	return nil
}

// stamp reads PAN-OS "2026/11/22 10:15:02" (in the configured zone) or an RFC 3339 stamp.
func (p *Parser) stamp(s string, rec *logs.Record) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, rest, ok := p.sp.Clock.ParseStamp([]byte(s), rec.Received)
	return t, ok && len(rest) == 0
}

// labelColumns are the GLOBALPROTECT columns kept as labels.
var labelColumns = []struct {
	name string
	col  int
}{
	{"stage", colStage}, {"machine_name", colMachineName}, {"host_id", colHostID},
	{"client_version", colClientVer}, {"client_os", colClientOS}, {"client_os_version", colClientOSVer},
	{"portal", colPortal}, {"gateway", colGateway}, {"location", colLocation}, {"vsys", colVsys},
}

func (p *Parser) gp(ev *borderwatch.Event, f []string, rec *logs.Record) error {
	col := func(i int) string {
		if i < len(f) {
			return strings.TrimSpace(f[i])
		}
		return ""
	}
	for _, c := range []int{colHighRes, colGenerated, colReceiveTime} {
		if t, ok := p.stamp(col(c), rec); ok {
			ev.Timestamp = t
			break
		}
	}
	eventID := col(colEventID)
	if eventID == "" {
		return errors.New("GLOBALPROTECT record without an event id")
	}
	ev.Event.Action = eventID
	if a, ok := syslog.ParseAddr(col(colPublicIP)); ok {
		ev.Source.IP = a
	} else if a, ok := syslog.ParseAddr(col(colPublicIPv6)); ok {
		ev.Source.IP = a
	} else if v := col(colPublicIP); v != "" && v != "0.0.0.0" {
		return fmt.Errorf("bad public_ip %q", v)
	}
	if a, ok := syslog.ParseAddr(col(colPrivateIP)); ok {
		ev.Source.NAT = &borderwatch.NAT{IP: a}
	} else if a, ok := syslog.ParseAddr(col(colPrivateIPv6)); ok {
		ev.Source.NAT = &borderwatch.NAT{IP: a}
	}
	ev.User = syslog.SplitUser(col(colSrcUser))
	if reg := col(colSrcRegion); isCountry(reg) {
		ev.Client = &borderwatch.Endpoint{Geo: &borderwatch.Geo{CountryISOCode: reg}}
	}
	auth := &borderwatch.Auth{
		Method:     col(colAuthMethod),
		TunnelType: col(colTunnelType),
		LoginType:  col(colConnect),
	}
	if *auth != (borderwatch.Auth{}) {
		ev.Borderwatch.Auth = auth
	}
	for _, l := range labelColumns {
		if v := col(l.col); v != "" {
			if ev.Labels == nil {
				ev.Labels = make(borderwatch.Labels, len(labelColumns))
			}
			ev.Labels[l.name] = v
		}
	}
	ev.Message = col(colDescription)
	ev.Event.Reason = col(colReason)
	if ev.Event.Reason == "" {
		ev.Event.Reason = col(colError)
	}
	if c := col(colErrorCode); c != "" && c != "0" {
		ev.Event.Code = c
	}
	if s := col(colSeqno); s != "" && s != "0" {
		ev.Event.ID = col(colSerial) + ":" + s
	}
	if d, err := strconv.ParseInt(col(colLoginDur), 10, 64); err == nil && d > 0 && d < int64(syslog.MaxDuration/time.Second) {
		ev.Event.Duration = d * int64(time.Second)
	}
	ev.Observer.Name = col(colDeviceName)
	out := ""
	switch strings.ToLower(col(colStatus)) {
	case "success":
		out = borderwatch.OutcomeSuccess
	case "failure", "failed":
		out = borderwatch.OutcomeFailure
	}
	switch eventID {
	case "gateway-connected", "gateway-register":
		setType(ev, true, "start", out)
	case "gateway-logout", "portal-logout", "gateway-config-release":
		setType(ev, true, "end", out)
	default:
		setType(ev, false, "info", out)
	}
	if ev.Event.Duration > 0 && ev.Event.Type[0] != "end" {
		ev.Event.Duration = 0
	}
	return nil
}

// system handles PAN-OS 9.0 and earlier, where GlobalProtect events are SYSTEM records with
// subtype globalprotect and the details in the description.
func (p *Parser) system(ev *borderwatch.Event, f []string, rec *logs.Record) error {
	for _, c := range []int{colGenerated, colReceiveTime} {
		if t, ok := p.stamp(f[c], rec); ok {
			ev.Timestamp = t
			break
		}
	}
	eventID := strings.TrimSpace(f[colEventID])
	desc := f[sysColDescription]
	ev.Event.Action = eventID
	ev.Message = desc
	if v, ok := descField(desc, "Login from: "); ok {
		a, ok := syslog.ParseAddr(v)
		if !ok {
			return fmt.Errorf("bad login address %q", v)
		}
		ev.Source.IP = a
	}
	if v, ok := descField(desc, "Private IP: "); ok {
		if a, ok := syslog.ParseAddr(v); ok {
			ev.Source.NAT = &borderwatch.NAT{IP: a}
		}
	}
	if v, ok := descField(desc, "User name: "); ok {
		ev.User = syslog.SplitUser(v)
	}
	if v, ok := descField(desc, "Source region: "); ok && isCountry(v) {
		ev.Client = &borderwatch.Endpoint{Geo: &borderwatch.Geo{CountryISOCode: v}}
	}
	if v, ok := descField(desc, "Reason: "); ok {
		ev.Event.Reason = v
	}
	if len(f) > sysColSeqno && f[sysColSeqno] != "" && f[sysColSeqno] != "0" {
		ev.Event.ID = f[colSerial] + ":" + f[sysColSeqno]
	}
	if len(f) > sysColDeviceName {
		ev.Observer.Name = f[sysColDeviceName]
	}
	switch {
	case strings.HasSuffix(eventID, "-auth-succ"):
		setType(ev, false, "info", borderwatch.OutcomeSuccess)
	case strings.HasSuffix(eventID, "-auth-fail"), strings.HasSuffix(eventID, "-fail"):
		setType(ev, false, "info", borderwatch.OutcomeFailure)
	case strings.HasSuffix(eventID, "-regist-succ"):
		setType(ev, true, "start", borderwatch.OutcomeSuccess)
	case strings.HasSuffix(eventID, "-logout-succ"), strings.HasSuffix(eventID, "-release-succ"):
		setType(ev, true, "end", "")
	default:
		setType(ev, false, "info", "")
	}
	return nil
}

// descField reads "Key: value," from a SYSTEM description.
func descField(desc, key string) (string, bool) {
	i := strings.Index(desc, key)
	if i < 0 {
		return "", false
	}
	v := desc[i+len(key):]
	if j := strings.IndexByte(v, ','); j >= 0 {
		v = v[:j]
	}
	v = strings.TrimSuffix(strings.TrimSpace(v), ".")
	return v, v != ""
}

func isCountry(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func setType(ev *borderwatch.Event, session bool, typ, outcome string) {
	ev.Event.Category = []string{borderwatch.CategoryAuthentication}
	if session {
		ev.Event.Category = append(ev.Event.Category, borderwatch.CategorySession)
	}
	ev.Event.Type = []string{typ}
	ev.Event.Outcome = outcome
}

var errQuote = errors.New("csv: bad quoting")

// splitCSV splits one CSV record (RFC 4180 quoting: "a, b" and "" for a quote) into fields,
// appended to dst. Unquoted fields are substrings of s.
func splitCSV(dst []string, s string) ([]string, error) {
	for {
		if len(s) > 0 && s[0] == '"' {
			var b strings.Builder
			i := 1
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					return dst, errQuote
				}
				b.WriteString(s[i : i+j])
				i += j + 1
				if i < len(s) && s[i] == '"' { // "" is a quote
					b.WriteByte('"')
					i++
					continue
				}
				break
			}
			dst = append(dst, b.String())
			if i == len(s) {
				return dst, nil
			}
			if s[i] != ',' {
				return dst, errQuote
			}
			s = s[i+1:]
			continue
		}
		j := strings.IndexByte(s, ',')
		if j < 0 {
			return append(dst, s), nil
		}
		dst = append(dst, s[:j])
		s = s[j+1:]
	}
}
