package app

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture/internal/frozen"
)

// maxAnswers bounds the answers kept from one DNS message.
const maxAnswers = 32

// DNSMessage is what one DNS message says, in ECS terms, plus the address records that feed
// passive DNS.
type DNSMessage struct {
	DNS      borderwatch.DNS
	Response bool
	// Addresses maps each A/AAAA address in the answers to its TTL; the name is the question's.
	Addresses []AddrTTL
}

// AddrTTL is one resolved address.
type AddrTTL struct {
	Addr netip.Addr
	TTL  uint32
}

// ParseDNS parses a DNS message (UDP payload, or TCP payload without the 2-byte length).
// A message whose answers are malformed comes back with what was read and the error.
func ParseDNS(b []byte) (*DNSMessage, error) {
	d, resp, addrs, err := parseDNS(b, nil, nil, nil)
	if d == nil {
		return nil, err
	}
	return &DNSMessage{DNS: *d, Response: resp, Addresses: addrs}, err
}

// dnsBlock is a parsed DNS message's objects and short strings in one allocation; what does
// not fit goes to the heap. The strings point into text, written once and never changed.
type dnsBlock struct {
	dns  borderwatch.DNS
	q    borderwatch.DNSQuestion
	ans  [2]borderwatch.DNSAnswer
	ips  [2]netip.Addr
	text [112]byte
}

// dnsHeaderFlags holds dns.header_flags for every combination of the six flags, in the
// order AA TC RD RA AD CD. The lists are shared: never modified (capacity = length).
var dnsHeaderFlags = func() (t [64][]string) {
	names := [...]string{"AA", "TC", "RD", "RA", "AD", "CD"}
	for f := range t {
		var l []string
		for i, n := range names {
			if f&(1<<i) != 0 {
				l = append(l, n)
			}
		}
		t[f] = slices.Clip(l)
	}
	return t
}()

// parseDNS parses a DNS message into a new dnsBlock and appends its A/AAAA answers to addrs;
// names are cleaned through names (may be nil; st counts its hits). d is nil only when the
// header or question could not be read.
func parseDNS(b []byte, addrs []AddrTTL, names *nameMemo, st *Stats) (d *borderwatch.DNS, response bool, _ []AddrTTL, _ error) {
	var p dnsmessage.Parser
	h, err := p.Start(b)
	if err != nil {
		return nil, false, addrs, fmt.Errorf("dns header: %w", err)
	}
	blk := &dnsBlock{}
	text := blk.text[:0]
	d = &blk.dns
	text = strconv.AppendUint(text, uint64(h.ID), 10)
	d.ID = frozen.String(text, 0)
	d.Type = "query"
	if h.Response {
		d.Type = "answer"
		d.ResponseCode = rcodeName(h.RCode)
	}
	d.OpCode = opcodeName(h.OpCode)
	var flags int
	for i, set := range [...]bool{h.Authoritative, h.Truncated, h.RecursionDesired, h.RecursionAvailable, h.AuthenticData, h.CheckingDisabled} {
		if set {
			flags |= 1 << i
		}
	}
	d.HeaderFlags = dnsHeaderFlags[flags]
	q, err := p.Question()
	if err == dnsmessage.ErrSectionDone {
		return d, h.Response, addrs, nil
	}
	if err != nil {
		return nil, false, addrs, fmt.Errorf("dns question: %w", err)
	}
	// the question's name is a string of its own: passive DNS keeps it
	name := names.name(q.Name, st)
	blk.q = borderwatch.DNSQuestion{Name: name, Type: typeName(q.Type), Class: className(q.Class)}
	d.Question = &blk.q
	if err := p.SkipAllQuestions(); err != nil {
		return nil, false, addrs, fmt.Errorf("dns questions: %w", err)
	}
	if !h.Response {
		return d, false, addrs, nil
	}
	d.Answers = blk.ans[:0]
	d.ResolvedIP = blk.ips[:0]
	for len(d.Answers) < maxAnswers {
		rh, err := p.AnswerHeader()
		if err == dnsmessage.ErrSectionDone {
			break
		}
		if err != nil {
			return d, true, addrs, fmt.Errorf("dns answer: %w", err)
		}
		var a borderwatch.DNSAnswer
		// the question's name again (most answers) is that string; a name with escapes is
		// cleaned again, as its raw bytes may equal another name's escaped form
		if n := bytes.TrimSuffix(rh.Name.Data[:rh.Name.Length], dot); string(n) == name && strings.IndexByte(name, '\\') < 0 {
			a.Name = name
		} else {
			a.Name = names.name(rh.Name, st)
		}
		a.Type, a.Class, a.TTL = typeName(rh.Type), className(rh.Class), rh.TTL
		switch rh.Type {
		case dnsmessage.TypeA, dnsmessage.TypeAAAA:
			var ip netip.Addr
			if rh.Type == dnsmessage.TypeA {
				r, err := p.AResource()
				if err != nil {
					return d, true, addrs, fmt.Errorf("dns A record: %w", err)
				}
				ip = netip.AddrFrom4(r.A)
			} else {
				r, err := p.AAAAResource()
				if err != nil {
					return d, true, addrs, fmt.Errorf("dns AAAA record: %w", err)
				}
				ip = netip.AddrFrom16(r.AAAA)
			}
			n := len(text)
			text = ip.AppendTo(text)
			a.Data = frozen.String(text, n)
			d.ResolvedIP = append(d.ResolvedIP, ip)
			addrs = append(addrs, AddrTTL{ip, rh.TTL})
		case dnsmessage.TypeCNAME:
			r, err := p.CNAMEResource()
			if err != nil {
				return d, true, addrs, fmt.Errorf("dns CNAME record: %w", err)
			}
			a.Data = names.name(r.CNAME, st)
		default:
			if err := p.SkipAnswer(); err != nil {
				return d, true, addrs, fmt.Errorf("dns answer: %w", err)
			}
		}
		d.Answers = append(d.Answers, a)
	}
	if len(d.Answers) == 0 {
		d.Answers = nil
	}
	if len(d.ResolvedIP) == 0 {
		d.ResolvedIP = nil
	}
	return d, true, addrs, nil
}

var dot = []byte{'.'}

// name is nameString through the memo.
func (m *nameMemo) name(n dnsmessage.Name, st *Stats) string {
	return m.clean(n.Data[:n.Length], st)
}

func nameString(n dnsmessage.Name) string {
	b := n.Data[:n.Length]
	return cleanName(b)
}

func rcodeName(r dnsmessage.RCode) string {
	switch r {
	case dnsmessage.RCodeSuccess:
		return "NOERROR"
	case dnsmessage.RCodeFormatError:
		return "FORMERR"
	case dnsmessage.RCodeServerFailure:
		return "SERVFAIL"
	case dnsmessage.RCodeNameError:
		return "NXDOMAIN"
	case dnsmessage.RCodeNotImplemented:
		return "NOTIMP"
	case dnsmessage.RCodeRefused:
		return "REFUSED"
	}
	return strconv.Itoa(int(r))
}

func opcodeName(o dnsmessage.OpCode) string {
	switch o {
	case 0:
		return "QUERY"
	case 1:
		return "IQUERY"
	case 2:
		return "STATUS"
	case 4:
		return "NOTIFY"
	case 5:
		return "UPDATE"
	}
	return strconv.Itoa(int(o))
}

func typeName(t dnsmessage.Type) string {
	s := t.String()
	s = strings.TrimPrefix(s, "Type")
	return s
}

func className(c dnsmessage.Class) string {
	s := c.String()
	return strings.TrimPrefix(s, "Class")
}
