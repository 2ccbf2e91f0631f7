package capture

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/bits"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture/app"
	"github.com/borderwatch/borderwatch/capture/decode"
	"github.com/borderwatch/borderwatch/capture/flow"
	"github.com/borderwatch/borderwatch/capture/internal/frozen"
	"github.com/borderwatch/borderwatch/capture/pdns"
)

// Shared is what all workers of one capture share: the identification table and the passive
// DNS cache. Both are safe for concurrent use.
type Shared struct {
	Identifier *app.Identifier
	PassiveDNS *pdns.Cache
}

// NewShared builds the shared parts from cfg.
func NewShared(cfg Config) (*Shared, error) {
	id, err := app.NewIdentifier(append(app.DefaultSignatures(), cfg.Apps...))
	if err != nil {
		return nil, fmt.Errorf("capture.apps: %w", err)
	}
	return &Shared{Identifier: id, PassiveDNS: pdns.New(cfg.PassiveDNS)}, nil
}

// Processor turns frames into flow records and flow records into events: decoder, flow table
// and analyzers of one worker. It is not safe for concurrent use; each worker owns one.
type Processor struct {
	dec      *decode.Decoder
	table    *flow.Table
	an       app.Analyzer
	shared   *Shared
	out      func(*borderwatch.Event)
	observer borderwatch.Observer
	input    borderwatch.Input
	ingress  string // observer.ingress.interface.name
	perFlow  bool   // ingress varies per flow (pcapng files): kept with each flow
	apkt     app.Packet
	log      *slog.Logger
	batch    *batch // Packets' scratch, allocated on first use
}

// MaxBatch is the most frames Packets works on at once; it takes longer batches in parts.
const MaxBatch = 16

// Frame is one captured frame of a batch for Packets.
type Frame struct {
	Link    decode.LinkType
	Data    []byte
	Time    time.Time
	WireLen int
	VLAN    uint16 // the outer VLAN tag the NIC stripped and handed over out of band, when HasVLAN
	HasVLAN bool
}

type batch struct {
	pkts   [MaxBatch]decode.Packet
	ptrs   [MaxBatch]*decode.Packet
	probes [MaxBatch]flow.Probe
}

// NewProcessor returns a processor that hands every event to out (which owns it afterwards).
func NewProcessor(cfg Config, shared *Shared, observer borderwatch.Observer, out func(*borderwatch.Event), log *slog.Logger) *Processor {
	p := &Processor{shared: shared, out: out, observer: observer, log: log}
	p.dec = decode.New(decode.Config{MaxFragDatagrams: cfg.MaxFragDatagrams, FragTimeout: cfg.FragTimeout})
	p.table = flow.NewTable(cfg.Flow, p.report, shared.Identifier.IsServerPort)
	if shared.PassiveDNS != nil {
		p.an.OnDNS = shared.PassiveDNS.Put
	}
	p.input = borderwatch.Input{Type: "pcap"}
	return p
}

// SetInput names where the next packets come from (borderwatch.input of the events).
func (p *Processor) SetInput(typ, path string) { p.input = borderwatch.Input{Type: typ, Path: path} }

// SetIngress names the interface the next packets were captured on (a live interface, or a
// pcapng interface's if_name); "" for none. With perFlow, each flow keeps the interface of
// its first packet; otherwise every event names the current one.
func (p *Processor) SetIngress(name string, perFlow bool) { p.ingress, p.perFlow = name, perFlow }

// Packet processes one frame. Data is not kept after the call returns.
func (p *Processor) Packet(link decode.LinkType, data []byte, ts time.Time, wireLen int) decode.Status {
	pkt, st := p.dec.Decode(link, data, ts, wireLen)
	if st != decode.OK {
		return st
	}
	f, isNew, fromClient := p.table.Update(pkt)
	p.account(pkt, f, isNew, fromClient)
	return decode.OK
}

// Packets processes frames in order, as many calls to Packet would, but in batches: it
// decodes up to MaxBatch frames, has the flow table fetch their flows together
// (flow.Table.Prefetch), then accounts them one by one. With tens of thousands of
// concurrent flows that saves most of a memory access per packet. The frames' data must all
// be valid during the call and is not kept after it returns.
func (p *Processor) Packets(frames []Frame) {
	if p.batch == nil {
		p.batch = &batch{}
	}
	b := p.batch
	for len(frames) > 0 {
		pkts, n := b.ptrs[:0], 0
		for n < len(frames) && len(pkts) < MaxBatch {
			fr := &frames[n]
			n++
			pkt, st := p.dec.DecodeTo(&b.pkts[len(pkts)], fr.Link, fr.Data, fr.Time, fr.WireLen)
			if st != decode.OK {
				continue
			}
			if fr.HasVLAN {
				tagVLAN(pkt, fr.VLAN)
			}
			pkts = append(pkts, pkt)
			if pkt.Reassembled {
				break // its payload is the decoder's until the next frame: account it first
			}
		}
		frames = frames[n:]
		p.table.Prefetch(pkts, b.probes[:])
		for i, pkt := range pkts {
			f, isNew, fromClient := p.table.UpdateProbe(pkt, &b.probes[i])
			p.account(pkt, f, isNew, fromClient)
		}
	}
}

// tagVLAN puts a tag the NIC stripped in front of the tags the frame still carries.
func tagVLAN(pkt *decode.Packet, vlan uint16) {
	if pkt.NumVLANs < decode.MaxVLANs {
		copy(pkt.VLANs[1:], pkt.VLANs[:pkt.NumVLANs])
		pkt.VLANs[0] = vlan
		pkt.NumVLANs++
	}
}

// account is the rest of a packet's processing once the flow table has placed it: a new
// flow's context, and the payload for the analyzers until they are done with the flow.
func (p *Processor) account(pkt *decode.Packet, f *flow.Flow, isNew, fromClient bool) {
	if isNew {
		p.newFlow(f, pkt, fromClient)
	}
	if len(pkt.Payload) > 0 && !f.Inspected {
		s, _ := p.ext(f).App.(*app.State)
		p.apkt = app.Packet{Proto: pkt.Proto, SrcPort: pkt.SrcPort, DstPort: pkt.DstPort, Seq: pkt.TCPSeq,
			Payload: pkt.Payload, Cut: len(pkt.Payload) < pkt.PayloadLen, Time: pkt.Timestamp, FromClient: fromClient}
		p.an.Inspect(s, &p.apkt)
		p.apkt.Payload = nil
		f.Inspected = s.Finished()
	}
}

// flowExt is a flow's Ext and its analyzers' State in one allocation, with room for the
// flow's VLAN tags.
type flowExt struct {
	ext   flow.Ext
	st    app.State
	vlans [decode.MaxVLANs]uint16
}

// newExt gives f a new Ext, with its app.State in App and room for its VLAN tags.
func newExt(f *flow.Flow) *flowExt {
	b := &flowExt{}
	b.ext.App = &b.st
	f.Ext = &b.ext
	return b
}

// ext returns f.Ext, allocating it first (with the flow's app.State in App) if needed.
func (p *Processor) ext(f *flow.Flow) *flow.Ext {
	if f.Ext == nil {
		newExt(f)
	} else if f.Ext.App == nil {
		f.Ext.App = &app.State{}
	}
	return f.Ext
}

func (p *Processor) newFlow(f *flow.Flow, pkt *decode.Packet, fromClient bool) {
	var pdnsName string
	if p.shared.PassiveDNS != nil {
		srv, _ := f.Server()
		pdnsName, _ = p.shared.PassiveDNS.Get(srv, pkt.Timestamp)
	}
	icmp := pkt.Proto == decode.ProtoICMP || pkt.Proto == decode.ProtoICMPv6
	if pkt.NumVLANs == 0 && pkt.Tunnel.Type == decode.TunnelNone && !(fromClient && pkt.HasMAC) && !icmp &&
		!(p.perFlow && p.ingress != "") && pdnsName == "" {
		return
	}
	e := f.Ext
	var vlans []uint16
	if e == nil {
		b := newExt(f)
		e, vlans = &b.ext, b.vlans[:0:pkt.NumVLANs]
	}
	if pkt.NumVLANs > 0 {
		e.VLANs = append(vlans, pkt.VLANs[:pkt.NumVLANs]...)
	}
	if pkt.Tunnel.Type != decode.TunnelNone {
		e.Tunnel = pkt.Tunnel
	}
	if fromClient && pkt.HasMAC {
		e.ClientMAC, e.HasMAC = pkt.SrcMAC, true
	}
	if icmp {
		e.ICMPType, e.ICMPCode = uint8(pkt.SrcPort), uint8(pkt.DstPort)
	}
	if p.perFlow && p.ingress != "" {
		e.Ingress = p.ingress
	}
	if pdnsName != "" {
		e.PassiveDNS = pdnsName
	}
}

// Sweep ends idle flows as of now (live capture calls it on a timer).
func (p *Processor) Sweep(now time.Time) { p.table.Sweep(now) }

// Flush ends every flow (end of input).
func (p *Processor) Flush() { p.table.Flush() }

// Stats returns the processor's counters.
func (p *Processor) Stats() Stats {
	return Stats{Decode: p.dec.Stats, Flow: p.table.Stats, App: p.an.Stats}
}

// Stats gathers a worker's counters.
type Stats struct {
	Decode decode.Stats
	Flow   flow.Stats
	App    app.Stats
}

// Add sums counters of several workers.
func (s *Stats) Add(o Stats) {
	d, od := &s.Decode, o.Decode
	d.Frames += od.Frames
	d.Decoded += od.Decoded
	d.NotIP += od.NotIP
	d.Truncated += od.Truncated
	d.SnapCut += od.SnapCut
	d.Malformed += od.Malformed
	d.Unsupported += od.Unsupported
	d.Tunneled += od.Tunneled
	d.Fragments += od.Fragments
	d.Reassembled += od.Reassembled
	d.FragEvicted += od.FragEvicted
	d.FragExpired += od.FragExpired
	d.FragRejected += od.FragRejected
	f, of := &s.Flow, o.Flow
	f.Flows += of.Flows
	f.Active += of.Active
	f.Records += of.Records
	f.Interim += of.Interim
	f.Evicted += of.Evicted
	f.Expired += of.Expired
	f.Closed += of.Closed
	f.Flushed += of.Flushed
	a, oa := &s.App, o.App
	a.TLSClientHellos += oa.TLSClientHellos
	a.TLSServerHellos += oa.TLSServerHellos
	a.TLSCerts += oa.TLSCerts
	a.QUICInitials += oa.QUICInitials
	a.DNSMessages += oa.DNSMessages
	a.HTTPRequests += oa.HTTPRequests
	a.SSHBanners += oa.SSHBanners
	a.TLSErrors += oa.TLSErrors
	a.QUICErrors += oa.QUICErrors
	a.DNSErrors += oa.DNSErrors
	a.HTTPErrors += oa.HTTPErrors
	a.SSHErrors += oa.SSHErrors
	a.CertErrors += oa.CertErrors
	a.Gaps += oa.Gaps
	a.Oversize += oa.Oversize
	a.HelloMemoHits += oa.HelloMemoHits
	a.HelloMemoEvicted += oa.HelloMemoEvicted
	a.ServerMemoHits += oa.ServerMemoHits
	a.ServerMemoEvicted += oa.ServerMemoEvicted
	a.NameMemoHits += oa.NameMemoHits
	a.NameMemoEvicted += oa.NameMemoEvicted
}

// LogAttrs returns the counters as log attributes.
func (s *Stats) LogAttrs() []any {
	d, f, a := s.Decode, s.Flow, s.App
	return []any{
		slog.Group("decode", "frames", d.Frames, "decoded", d.Decoded, "not_ip", d.NotIP, "truncated", d.Truncated,
			"snap_cut", d.SnapCut, "malformed", d.Malformed, "unsupported", d.Unsupported, "tunneled", d.Tunneled,
			"fragments", d.Fragments, "reassembled", d.Reassembled, "frag_evicted", d.FragEvicted,
			"frag_expired", d.FragExpired, "frag_rejected", d.FragRejected),
		slog.Group("flow", "flows", f.Flows, "records", f.Records, "interim", f.Interim, "evicted", f.Evicted,
			"expired", f.Expired, "closed", f.Closed, "flushed", f.Flushed),
		slog.Group("app", "tls_client_hellos", a.TLSClientHellos, "tls_server_hellos", a.TLSServerHellos,
			"certificates", a.TLSCerts, "quic_initials", a.QUICInitials, "dns", a.DNSMessages, "http", a.HTTPRequests,
			"ssh", a.SSHBanners, "tls_errors", a.TLSErrors, "quic_errors", a.QUICErrors, "dns_errors", a.DNSErrors,
			"http_errors", a.HTTPErrors, "ssh_errors", a.SSHErrors, "cert_errors", a.CertErrors, "gaps", a.Gaps,
			"oversize", a.Oversize, "hello_memo_hits", a.HelloMemoHits, "hello_memo_evicted", a.HelloMemoEvicted,
			"server_memo_hits", a.ServerMemoHits, "server_memo_evicted", a.ServerMemoEvicted,
			"name_memo_hits", a.NameMemoHits, "name_memo_evicted", a.NameMemoEvicted),
	}
}

var flagNames = [...]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"}

func transportName(proto uint8) string {
	switch proto {
	case decode.ProtoTCP:
		return "tcp"
	case decode.ProtoUDP:
		return "udp"
	case decode.ProtoICMP:
		return "icmp"
	case decode.ProtoICMPv6:
		return "ipv6-icmp"
	case decode.ProtoSCTP:
		return "sctp"
	case decode.ProtoGRE:
		return "gre"
	case decode.ProtoESP:
		return "esp"
	case decode.ProtoAH:
		return "ah"
	}
	return strconv.Itoa(int(proto))
}

// appendFlowID appends the flow's id: the FNV-1a 64 hash (16 hex digits) of the flow key and
// its first packet's time.
func appendFlowID(out []byte, f *flow.Flow) []byte {
	const offset64, prime64 = 14695981039346656037, 1099511628211
	h := uint64(offset64)
	mix := func(b []byte) {
		for _, c := range b {
			h ^= uint64(c)
			h *= prime64
		}
	}
	mix(f.Key.LoAddr[:])
	mix(f.Key.HiAddr[:])
	var b [13]byte
	binary.BigEndian.PutUint16(b[0:], f.Key.LoPort)
	binary.BigEndian.PutUint16(b[2:], f.Key.HiPort)
	b[4] = f.Key.Proto
	binary.BigEndian.PutUint64(b[5:], uint64(f.First))
	mix(b[:])
	var sum [8]byte
	binary.BigEndian.PutUint64(sum[:], h)
	return hex.AppendEncode(out, sum[:])
}

// ianaNumbers holds network.iana_number for every protocol number.
var ianaNumbers = func() (t [256]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

// tcpFlagLists holds, for every combination of TCP flags, the names of the flags set, in
// flagNames order. The lists are shared by every event: never modified (their capacity is
// their length, so an append copies).
var tcpFlagLists = func() (t [256][]string) {
	for f := range t {
		out := make([]string, 0, bits.OnesCount8(uint8(f)))
		for i, n := range flagNames {
			if f&(1<<i) != 0 {
				out = append(out, n)
			}
		}
		t[f] = out
	}
	return t
}()

// tcpFlagNames lists the names of the flags set in flags, in flagNames order; the list is
// shared and must not be modified.
func tcpFlagNames(flags uint8) []string { return tcpFlagLists[flags] }

// report turns a flow record into an event.
func (p *Processor) report(r flow.Record) {
	ev := p.event(r)
	p.out(ev)
	if r.Final && r.Flow.Ext != nil {
		if s, ok := r.Flow.Ext.App.(*app.State); ok {
			s.Release()
		}
	}
}

// eventBlock is a flow event and every object and string it is built with, allocated at once.
// The strings point into text, which is written once per event. The pipeline gives the
// event back once it is written (borderwatch.Lender) and the block is reused for a later one.
type eventBlock struct {
	eventObjects
	text [eventText]byte
}

type eventObjects struct {
	ev      borderwatch.Event
	fl      borderwatch.Flow
	in      borderwatch.Input
	words   [4]string
	pdns    [1]string
	vlan    borderwatch.VLAN
	ingress borderwatch.Interface
	ips     [2]netip.Addr // related.ip, filled by borderwatch.Normalize
	hosts   [1]string     // related.hosts
}

// eventText is the room in an eventBlock for the strings an event is built with (flow id,
// Community ID, MAC, VLAN id, message; what does not fit goes to the heap): what the objects
// leave of the allocator's 2048-byte size class, and at least 160 bytes.
const eventText = max(eventClass-int(unsafe.Sizeof(eventObjects{})), 160)

// eventClass is the room of the 2048-byte size class, less the 8-byte header the runtime
// keeps in every object larger than 512 bytes that holds pointers. Blocks are reused (see
// blocks), so their size costs little memory: room for long IPv6 messages matters more.
const eventClass = 2048 - 8

// blocks keeps the event blocks given back for the next events (a pool: the garbage
// collector bounds it). The 40 000 events of the capture benchmark then take a few thousand
// blocks, reused while still in the cache, instead of 70 MB of fresh memory.
var blocks = sync.Pool{New: func() any { return new(eventBlock) }}

// poisonReturned makes a test binary overwrite a block's strings as soon as its event is
// given back, so that anything that kept them past the event's lifetime shows in its output.
var poisonReturned = testing.Testing()

// newBlock returns an event block whose objects are zero; its text holds whatever an earlier
// event left there and is written before it is read.
func newBlock() *eventBlock {
	a := blocks.Get().(*eventBlock)
	a.eventObjects = eventObjects{}
	a.ev.Lend(a)
	return a
}

// Return implements borderwatch.Lender.
func (a *eventBlock) Return(ev *borderwatch.Event) {
	if ev != &a.ev {
		return // a copy of the event, in memory of its own
	}
	if poisonReturned {
		a.eventObjects = eventObjects{}
		for i := range a.text {
			a.text[i] = 0xff
		}
	}
	blocks.Put(a)
}

func (p *Processor) event(r flow.Record) *borderwatch.Event {
	f := r.Flow
	cIP, cPort := f.Client()
	sIP, sPort := f.Server()
	c, s := f.ClientSide, 1-f.ClientSide
	proto := f.Key.Proto
	transport := transportName(proto)
	a := newBlock()
	text := a.text[:0]
	ev := &a.ev
	ev.Timestamp = r.Time.UTC()
	typ := "start"
	if r.Final {
		typ = "end"
	}
	a.words = [4]string{borderwatch.CategoryNetwork, borderwatch.CategorySession, "connection", typ}
	ev.Event = borderwatch.EventMeta{
		Kind: borderwatch.KindEvent, Category: a.words[0:2:2],
		Type: a.words[2:4:4], Action: "network_flow", Dataset: "borderwatch.flow", Module: "capture",
		Start: time.Unix(0, f.First).UTC(), End: time.Unix(0, f.Last).UTC(),
	}
	ev.Source = borderwatch.Endpoint{IP: cIP, Port: cPort, Bytes: f.Bytes[c], Packets: f.Packets[c]}
	ev.Destination = borderwatch.Endpoint{IP: sIP, Port: sPort, Bytes: f.Bytes[s], Packets: f.Packets[s]}
	netType := "ipv4"
	if f.Key.V6 {
		netType = "ipv6"
	}
	ev.Network = borderwatch.Network{Transport: transport, Type: netType, IANANumber: ianaNumbers[proto],
		Bytes: f.Bytes[0] + f.Bytes[1], Packets: f.Packets[0] + f.Packets[1]}
	fl := &a.fl
	text = appendFlowID(text, f)
	*fl = borderwatch.Flow{ID: frozen.String(text, 0), Final: r.Final, Reason: r.Reason.String(),
		SourcePayload: f.Payload[c], DestPayload: f.Payload[s]}
	if flags := f.Flags[0] | f.Flags[1]; proto == decode.ProtoTCP && flags != 0 {
		fl.TCPFlags = tcpFlagNames(flags)
	}
	var icmpType, icmpCode uint16
	var st *app.State
	var pdnsName string
	ingress := p.ingress
	if p.perFlow {
		ingress = ""
	}
	if e := f.Ext; e != nil {
		if p.perFlow {
			ingress = e.Ingress
		}
		if len(e.VLANs) > 0 {
			fl.VLANs = e.VLANs
			n := len(text)
			text = strconv.AppendUint(text, uint64(e.VLANs[0]), 10)
			a.vlan.ID = frozen.String(text, n)
			ev.Network.VLAN = &a.vlan
		}
		if e.Tunnel.Type != decode.TunnelNone {
			fl.Tunnel = &borderwatch.Tunnel{Type: e.Tunnel.Type.String(), SourceIP: e.Tunnel.Src, DestIP: e.Tunnel.Dst, VNI: e.Tunnel.VNI}
		}
		if e.HasMAC {
			n := len(text)
			text = appendMAC(text, e.ClientMAC)
			ev.Source.MAC = frozen.String(text, n)
		}
		icmpType, icmpCode = uint16(e.ICMPType), uint16(e.ICMPCode)
		if e.PassiveDNS != "" {
			pdnsName = e.PassiveDNS
			a.pdns[0] = e.PassiveDNS
			fl.PassiveDNS = a.pdns[:1:1]
		}
		st, _ = e.App.(*app.State)
	}
	if proto != decode.ProtoICMP && proto != decode.ProtoICMPv6 {
		icmpType, icmpCode = cPort, sPort
	}
	n := len(text)
	text = flow.AppendCommunityID(text, 0, cIP, sIP, icmpType, icmpCode, proto)
	ev.Network.CommunityID = frozen.String(text, n)
	ev.Borderwatch.Flow = fl
	if st != nil {
		p.copyMeta(ev, st, !r.Final)
	}
	if ev.Destination.Domain == "" && pdnsName != "" {
		ev.Destination.Domain = pdnsName
	}
	ev.Borderwatch.App = p.shared.Identifier.Identify(app.Evidence{Proto: proto, ServerPort: sPort, State: st, PassiveDNS: pdnsName})
	if st != nil && (st.SSH != nil || st.RDP != nil || st.VNC != nil) {
		if ev.Borderwatch.App == nil {
			ev.Borderwatch.App = &borderwatch.App{}
		}
		a := ev.Borderwatch.App
		if st.SSH != nil {
			ssh := *st.SSH
			a.SSH = &ssh
		}
		a.RDP, a.VNC = st.RDP, st.VNC // set once, never changed
	}
	ev.Observer = p.observer
	if ingress != "" {
		a.ingress.Interface.Name = ingress
		ev.Observer.Ingress = &a.ingress
	}
	a.in = p.input
	ev.Borderwatch.Input = &a.in
	ev.Related.IP, ev.Related.Hosts = a.ips[:0:2], a.hosts[:0:1]
	n = len(text)
	text = appendMessage(text, ev)
	ev.Message = frozen.String(text, n)
	return ev
}

// copyMeta copies the analyzers' findings into ev; clone is set for interim records, whose
// flow goes on changing the state.
func (p *Processor) copyMeta(ev *borderwatch.Event, st *app.State, clone bool) {
	ev.Network.Protocol = st.Protocol
	if d := st.Domain(); d != "" {
		ev.Destination.Domain = d
	}
	if !clone {
		ev.TLS, ev.DNS, ev.HTTP, ev.URL, ev.UserAgent = st.TLS, st.DNS, st.HTTP, st.URL, st.UserAgent
		return
	}
	if st.TLS != nil {
		t := *st.TLS
		if t.Client != nil {
			c := *t.Client
			t.Client = &c
		}
		if t.Server != nil {
			s := *t.Server
			t.Server = &s
		}
		ev.TLS = &t
	}
	if st.DNS != nil {
		d := *st.DNS
		ev.DNS = &d
	}
	if st.HTTP != nil {
		h := *st.HTTP
		ev.HTTP = &h
	}
	if st.URL != nil {
		u := *st.URL
		ev.URL = &u
	}
	if st.UserAgent != nil {
		u := *st.UserAgent
		ev.UserAgent = &u
	}
}

// appendMAC appends m as ECS writes MAC addresses: 02-00-5E-10-00-00.
func appendMAC(b []byte, m [6]byte) []byte {
	const hexd = "0123456789ABCDEF"
	for i, x := range m {
		if i > 0 {
			b = append(b, '-')
		}
		b = append(b, hexd[x>>4], hexd[x&15])
	}
	return b
}

// appendMessage appends the one-line summary, e.g. "tcp/tls session 10.0.0.1:5000 ->
// 192.0.2.1:443 (a.example), vpn astrill: 12 packets, 3400 bytes".
func appendMessage(b []byte, ev *borderwatch.Event) []byte {
	b = append(b, ev.Network.Transport...)
	if ev.Network.Protocol != "" {
		b = append(b, '/')
		b = append(b, ev.Network.Protocol...)
	}
	b = append(b, " session "...)
	ports := ev.Network.Transport == "tcp" || ev.Network.Transport == "udp" || ev.Network.Transport == "sctp"
	b = appendEndpoint(b, ev.Source.IP, ev.Source.Port, ports)
	b = append(b, " -> "...)
	b = appendEndpoint(b, ev.Destination.IP, ev.Destination.Port, ports)
	if ev.Destination.Domain != "" {
		b = append(b, " ("...)
		b = append(b, ev.Destination.Domain...)
		b = append(b, ')')
	}
	if a := ev.Borderwatch.App; a != nil && a.Name != "" {
		b = append(b, ", "...)
		b = append(b, a.Category...)
		b = append(b, ' ')
		b = append(b, a.Name...)
	}
	b = append(b, ": "...)
	b = strconv.AppendUint(b, ev.Network.Packets, 10)
	b = append(b, " packets, "...)
	b = strconv.AppendUint(b, ev.Network.Bytes, 10)
	return append(b, " bytes"...)
}

// appendEndpoint appends ip:port as netip.AddrPort prints it ([v6]:port), or the bare
// address for protocols without ports.
func appendEndpoint(b []byte, ip netip.Addr, port uint16, ports bool) []byte {
	if !ports {
		return ip.AppendTo(b)
	}
	return netip.AddrPortFrom(ip, port).AppendTo(b)
}
