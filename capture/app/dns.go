package app

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/borderwatch/borderwatch"
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
func ParseDNS(b []byte) (*DNSMessage, error) {
	var p dnsmessage.Parser
	h, err := p.Start(b)
	if err != nil {
		return nil, fmt.Errorf("dns header: %w", err)
	}
	m := &DNSMessage{Response: h.Response}
	d := &m.DNS
	d.ID = strconv.Itoa(int(h.ID))
	d.Type = "query"
	if h.Response {
		d.Type = "answer"
		d.ResponseCode = rcodeName(h.RCode)
	}
	d.OpCode = opcodeName(h.OpCode)
	if h.Authoritative {
		d.HeaderFlags = append(d.HeaderFlags, "AA")
	}
	if h.Truncated {
		d.HeaderFlags = append(d.HeaderFlags, "TC")
	}
	if h.RecursionDesired {
		d.HeaderFlags = append(d.HeaderFlags, "RD")
	}
	if h.RecursionAvailable {
		d.HeaderFlags = append(d.HeaderFlags, "RA")
	}
	if h.AuthenticData {
		d.HeaderFlags = append(d.HeaderFlags, "AD")
	}
	if h.CheckingDisabled {
		d.HeaderFlags = append(d.HeaderFlags, "CD")
	}
	q, err := p.Question()
	if err == dnsmessage.ErrSectionDone {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dns question: %w", err)
	}
	name := nameString(q.Name)
	d.Question = &borderwatch.DNSQuestion{Name: name, Type: typeName(q.Type), Class: className(q.Class)}
	if err := p.SkipAllQuestions(); err != nil {
		return nil, fmt.Errorf("dns questions: %w", err)
	}
	if !h.Response {
		return m, nil
	}
	for len(d.Answers) < maxAnswers {
		rh, err := p.AnswerHeader()
		if err == dnsmessage.ErrSectionDone {
			break
		}
		if err != nil {
			return m, fmt.Errorf("dns answer: %w", err)
		}
		a := borderwatch.DNSAnswer{Name: nameString(rh.Name), Type: typeName(rh.Type), Class: className(rh.Class), TTL: rh.TTL}
		switch rh.Type {
		case dnsmessage.TypeA:
			r, err := p.AResource()
			if err != nil {
				return m, fmt.Errorf("dns A record: %w", err)
			}
			ip := netip.AddrFrom4(r.A)
			a.Data = ip.String()
			d.ResolvedIP = append(d.ResolvedIP, ip)
			m.Addresses = append(m.Addresses, AddrTTL{ip, rh.TTL})
		case dnsmessage.TypeAAAA:
			r, err := p.AAAAResource()
			if err != nil {
				return m, fmt.Errorf("dns AAAA record: %w", err)
			}
			ip := netip.AddrFrom16(r.AAAA)
			a.Data = ip.String()
			d.ResolvedIP = append(d.ResolvedIP, ip)
			m.Addresses = append(m.Addresses, AddrTTL{ip, rh.TTL})
		case dnsmessage.TypeCNAME:
			r, err := p.CNAMEResource()
			if err != nil {
				return m, fmt.Errorf("dns CNAME record: %w", err)
			}
			a.Data = nameString(r.CNAME)
		default:
			if err := p.SkipAnswer(); err != nil {
				return m, fmt.Errorf("dns answer: %w", err)
			}
		}
		d.Answers = append(d.Answers, a)
	}
	return m, nil
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
