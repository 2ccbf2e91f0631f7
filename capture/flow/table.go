package flow

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/borderwatch/borderwatch/capture/decode"
)

// Config sets the flow table's timeouts and bound.
type Config struct {
	TCPTimeout    time.Duration `yaml:"tcp_timeout"`    // idle timeout of TCP flows
	UDPTimeout    time.Duration `yaml:"udp_timeout"`    // idle timeout of UDP flows
	ICMPTimeout   time.Duration `yaml:"icmp_timeout"`   // idle timeout of ICMP and other flows
	CloseLinger   time.Duration `yaml:"close_linger"`   // how long a flow stays after FIN or RST
	ActiveTimeout time.Duration `yaml:"active_timeout"` // interim record interval of long flows (0: none)
	MaxFlows      int           `yaml:"max_flows"`      // flows tracked at once; the idlest is evicted beyond
}

// DefaultConfig returns the defaults: TCP 480 s, UDP 60 s, ICMP 10 s, linger 5 s, interim
// records every 300 s, 1 048 576 flows.
func DefaultConfig() Config {
	return Config{
		TCPTimeout: 480 * time.Second, UDPTimeout: 60 * time.Second, ICMPTimeout: 10 * time.Second,
		CloseLinger: 5 * time.Second, ActiveTimeout: 300 * time.Second, MaxFlows: 1 << 20,
	}
}

// Validate reports settings that cannot work.
func (c *Config) Validate() error {
	for _, t := range []struct {
		name string
		v    time.Duration
		eg   string
	}{{"tcp_timeout", c.TCPTimeout, "480s"}, {"udp_timeout", c.UDPTimeout, "60s"},
		{"icmp_timeout", c.ICMPTimeout, "10s"}, {"close_linger", c.CloseLinger, "5s"}} {
		if t.v <= 0 {
			return fmt.Errorf("flow.%s must be > 0, e.g. %s", t.name, t.eg)
		}
	}
	if c.ActiveTimeout < 0 {
		return fmt.Errorf("flow.active_timeout must be >= 0 (0 turns interim records off), e.g. 300s")
	}
	if c.ActiveTimeout > 0 && c.ActiveTimeout < time.Second {
		return fmt.Errorf("flow.active_timeout must be at least 1s (got %s), e.g. 300s", c.ActiveTimeout)
	}
	if c.MaxFlows < 1 || c.MaxFlows > MaxSlots {
		return fmt.Errorf("flow.max_flows must be between 1 and %d (got %d), e.g. 1048576", MaxSlots, c.MaxFlows)
	}
	return nil
}

// Reason says why a flow record was emitted.
type Reason uint8

// Record reasons.
const (
	ReasonIdle Reason = iota
	ReasonFIN
	ReasonRST
	ReasonActive
	ReasonEviction
	ReasonEnd
)

var reasonNames = [...]string{"idle", "fin", "rst", "active", "eviction", "end"}

func (r Reason) String() string { return reasonNames[r] }

// Key is the packed, direction-free identity of a flow: the lower (address, port) first.
type Key struct {
	LoAddr, HiAddr [16]byte
	LoPort, HiPort uint16
	Proto          uint8
	V6             bool
}

// Ext is what a flow carries beyond counters; allocated only when needed.
type Ext struct {
	VLANs      []uint16
	Tunnel     decode.Tunnel
	PassiveDNS string // destination name from passive DNS when the flow started
	Ingress    string // interface of the flow's first packet, when it varies per flow
	ClientMAC  [6]byte
	HasMAC     bool
	ICMPType   uint8
	ICMPCode   uint8
	App        any // the application analyzer's state (owned by the caller)
}

// Flow is one tracked session. Counters are indexed by side: 0 is the lower key side, 1 the
// higher. Flows are owned by the Table and reused after their final record: the Report
// callback must copy what it keeps.
type Flow struct {
	Key        Key
	Flags      [2]uint8 // TCP flags seen, OR-ed
	First      int64    // unix nanoseconds of the first packet
	Last       int64    // unix nanoseconds of the last packet
	lastReport int64
	Packets    [2]uint64
	Bytes      [2]uint64 // IP bytes (headers included) as on the wire
	Payload    [2]uint64 // L4 payload bytes
	ClientSide uint8     // which side (0 lo, 1 hi) is the client
	Inspected  bool      // the caller's payload analyzers need no more packets (false for a new flow)
	state      uint8
	class      uint8
	queued     uint32 // when the flow took its place in its idle order (Last then), in units after First
	Ext        *Ext
}

// queueShift sets the unit of Flow.queued, 2^20 ns (about a millisecond), so that 32 bits
// cover 52 days of a flow's life; beyond, the flow takes a new place at every packet.
const queueShift = 20

// queuedAt returns when f took its place in its idle order (rounded down).
func (f *Flow) queuedAt() int64 { return f.First + int64(f.queued)<<queueShift }

func (f *Flow) setQueued() {
	f.queued = uint32(min((f.Last-f.First)>>queueShift, 1<<32-1))
}

// link places a flow in its class's idle order (or, for a free slot, in the free list). The
// links live in their own arrays, 8 bytes per flow, so that moving a flow to the back of its
// list touches its neighbours' links, which mostly stay in cache, and not the neighbours
// themselves; the Flow keeps to two cache lines.
type link struct{ prev, next uint32 }

const (
	stFIN0 = 1 << iota
	stFIN1
	stRST
	stUsed
)

// Client returns the client's address and port (the SYN sender, or by port heuristics).
func (f *Flow) Client() (netip.Addr, uint16) { return f.side(f.ClientSide) }

// Server returns the server's address and port.
func (f *Flow) Server() (netip.Addr, uint16) { return f.side(1 - f.ClientSide) }

func (f *Flow) side(s uint8) (netip.Addr, uint16) {
	a, p := f.Key.LoAddr, f.Key.LoPort
	if s == 1 {
		a, p = f.Key.HiAddr, f.Key.HiPort
	}
	if f.Key.V6 {
		return netip.AddrFrom16(a), p
	}
	return netip.AddrFrom4([4]byte(a[:4])), p
}

// ExtOrNew returns f.Ext, allocating it first if needed.
func (f *Flow) ExtOrNew() *Ext {
	if f.Ext == nil {
		f.Ext = &Ext{}
	}
	return f.Ext
}

// Record is the callback's view of an emitted record.
type Record struct {
	Flow   *Flow
	Reason Reason
	Final  bool
	Time   time.Time // the record's time: last packet, or the sweep time for idle flows
}

// Stats count the table's work. Read them from the goroutine that owns the table.
type Stats struct {
	Flows   uint64 // flows created
	Active  int    // flows tracked now
	Records uint64 // records emitted (final and interim)
	Interim uint64
	Evicted uint64 // flows ended early because the table was full
	Expired uint64 // flows ended by idle timeout
	Closed  uint64 // flows ended by FIN/RST and linger
	Flushed uint64 // flows ended by Flush
}

const (
	classTCP = iota
	classUDP
	classOther
	classClosing
	numClasses
)

const chunkBits = 12
const chunkSize = 1 << chunkBits

// Table is a bounded flow table. The zero value is not usable: call NewTable. A Table is not
// safe for concurrent use: each capture worker owns one.
type Table struct {
	cfg        Config
	timeouts   [numClasses]int64
	requeue    [numClasses]int64 // how much later than its place a flow's last packet may be
	idx        index             // key → slot (index.go)
	chunks     [][]Flow
	links      [][]link // parallel to chunks
	free       uint32   // head of the free list (linked by links' next), 0 = empty
	used       uint32   // slots handed out so far (index 0 is never used)
	head, tail [numClasses]uint32
	report     func(Record)
	serverPort func(proto uint8, port uint16) bool
	lastSweep  int64
	touched    uint64 // what Prefetch read, kept so that the reads are not optimised away
	Stats      Stats
}

// NewTable returns a table that calls report for every record. serverPort, if not nil, tells
// which ports are services when no SYN shows the client.
func NewTable(cfg Config, report func(Record), serverPort func(proto uint8, port uint16) bool) *Table {
	t := &Table{cfg: cfg, idx: newIndex(), report: report, serverPort: serverPort, used: 1}
	t.timeouts = [numClasses]int64{int64(cfg.TCPTimeout), int64(cfg.UDPTimeout), int64(cfg.ICMPTimeout), int64(cfg.CloseLinger)}
	for c, d := range t.timeouts {
		t.requeue[c] = min(d/16, int64(time.Second))
	}
	return t
}

func (t *Table) at(i uint32) *Flow {
	return &t.chunks[i>>chunkBits][i&(chunkSize-1)]
}

func (t *Table) ln(i uint32) *link {
	return &t.links[i>>chunkBits][i&(chunkSize-1)]
}

func (t *Table) alloc() uint32 {
	if t.free != 0 {
		i := t.free
		l := t.ln(i)
		t.free, l.next = l.next, 0
		return i
	}
	i := t.used
	if int(i>>chunkBits) >= len(t.chunks) {
		t.chunks = append(t.chunks, make([]Flow, chunkSize))
		t.links = append(t.links, make([]link, chunkSize))
	}
	t.used++
	return i
}

// release puts slot i, which is in no list, on the free list.
func (t *Table) release(i uint32) {
	*t.at(i) = Flow{}
	*t.ln(i) = link{next: t.free}
	t.free = i
}

func (t *Table) unlink(i uint32, f *Flow) {
	c := f.class
	l := t.ln(i)
	if l.prev != 0 {
		t.ln(l.prev).next = l.next
	} else {
		t.head[c] = l.next
	}
	if l.next != 0 {
		t.ln(l.next).prev = l.prev
	} else {
		t.tail[c] = l.prev
	}
	*l = link{}
}

func (t *Table) pushBack(i uint32, f *Flow, c uint8) {
	f.class = c
	*t.ln(i) = link{prev: t.tail[c]}
	if t.tail[c] != 0 {
		t.ln(t.tail[c]).next = i
	} else {
		t.head[c] = i
	}
	t.tail[c] = i
}

func classOf(proto uint8) uint8 {
	switch proto {
	case decode.ProtoTCP:
		return classTCP
	case decode.ProtoUDP:
		return classUDP
	}
	return classOther
}

// KeyOf returns the flow key of p and the side (0 lo, 1 hi) that sent it.
func KeyOf(p *decode.Packet) (Key, uint8) {
	var k Key
	side := k.set(p)
	return k, side
}

// set makes k the key of p and returns p's side (0: p was sent from the lower address). It
// writes the key in place: building it in arrays on the stack and copying them cost store
// forwarding stalls on the unaligned 16-byte moves.
func (k *Key) set(p *decode.Packet) uint8 {
	sp, dp := p.SrcPort, p.DstPort
	if p.Proto == decode.ProtoICMP || p.Proto == decode.ProtoICMPv6 {
		sp, dp = 0, 0
	}
	be := binary.BigEndian
	if p.Src.Is4() {
		a, b := p.Src.As4(), p.Dst.As4()
		ua, ub := be.Uint32(a[:]), be.Uint32(b[:])
		side := uint8(0)
		if ua > ub || (ua == ub && sp > dp) {
			ua, ub, sp, dp, side = ub, ua, dp, sp, 1
		}
		*k = Key{LoPort: sp, HiPort: dp, Proto: p.Proto}
		be.PutUint32(k.LoAddr[:4], ua)
		be.PutUint32(k.HiAddr[:4], ub)
		return side
	}
	a, b := p.Src.As16(), p.Dst.As16()
	ah, al, bh, bl := be.Uint64(a[:8]), be.Uint64(a[8:]), be.Uint64(b[:8]), be.Uint64(b[8:])
	c := cmp.Compare(ah, bh)
	if c == 0 {
		c = cmp.Compare(al, bl)
	}
	side := uint8(0)
	if c > 0 || (c == 0 && sp > dp) {
		ah, al, bh, bl, sp, dp, side = bh, bl, ah, al, dp, sp, 1
	}
	*k = Key{LoPort: sp, HiPort: dp, Proto: p.Proto, V6: true}
	be.PutUint64(k.LoAddr[:8], ah)
	be.PutUint64(k.LoAddr[8:], al)
	be.PutUint64(k.HiAddr[:8], bh)
	be.PutUint64(k.HiAddr[8:], bl)
	return side
}

// equal is k == o without a call to the runtime's memory comparison: the addresses as four
// words, then ports, protocol and family.
func (k *Key) equal(o *Key) bool {
	le := binary.LittleEndian
	x := (le.Uint64(k.LoAddr[0:8]) ^ le.Uint64(o.LoAddr[0:8])) | (le.Uint64(k.LoAddr[8:16]) ^ le.Uint64(o.LoAddr[8:16])) |
		(le.Uint64(k.HiAddr[0:8]) ^ le.Uint64(o.HiAddr[0:8])) | (le.Uint64(k.HiAddr[8:16]) ^ le.Uint64(o.HiAddr[8:16]))
	return x == 0 && k.LoPort == o.LoPort && k.HiPort == o.HiPort && k.Proto == o.Proto && k.V6 == o.V6
}

// Update accounts packet p and returns its flow, whether the flow is new, and whether p was
// sent by the client. The flow stays valid until the next call into the table.
func (t *Table) Update(p *decode.Packet) (f *Flow, isNew, fromClient bool) {
	var pr Probe
	pr.side = pr.key.set(p)
	pr.hash = t.idx.hash(&pr.key)
	return t.UpdateProbe(p, &pr)
}

// Probe is a packet's flow key and index hash, worked out ahead of its Update by Prefetch.
type Probe struct {
	key  Key
	hash uint64
	slot uint32 // the first index slot the hash leads to, as Prefetch read it
	side uint8
}

// Prefetch works out the probes of a batch of packets (probes[i] for pkts[i]) and reads the
// index slots and then the flows they lead to, each step for the whole batch at once: the
// cache misses of the batch overlap instead of stalling one Update after the other. With
// many concurrent flows and capture data streaming through the cache, a flow is rarely still
// cached when its next packet comes. Then call UpdateProbe for each packet in order: what
// Prefetch read is a hint only, as updates before a packet's may move its flow.
func (t *Table) Prefetch(pkts []*decode.Packet, probes []Probe) {
	probes = probes[:len(pkts)]
	x := &t.idx
	for i, p := range pkts {
		pr := &probes[i]
		pr.side = pr.key.set(p)
		pr.hash = x.hash(&pr.key)
	}
	for i := range probes {
		probes[i].slot = x.candidate(probes[i].hash)
	}
	// the flows' two cache lines
	var sum uint64
	for i := range probes {
		if s := probes[i].slot; s != 0 {
			f := t.at(s)
			sum += uint64(f.Key.LoPort) + f.Packets[1]
		}
	}
	t.touched += sum
}

// UpdateProbe is Update for a packet whose probe Prefetch worked out.
func (t *Table) UpdateProbe(p *decode.Packet, pr *Probe) (f *Flow, isNew, fromClient bool) {
	now := p.Timestamp.UnixNano()
	if now-t.lastSweep >= int64(time.Second) {
		t.Sweep(p.Timestamp)
	}
	k, side := &pr.key, pr.side
	i, ok := t.lookup(k, pr.hash)
	if ok {
		f = t.at(i)
	} else {
		if t.Len() >= t.cfg.MaxFlows {
			t.evictOne(p.Timestamp)
		}
		i = t.alloc()
		f = t.at(i)
		*f = Flow{Key: *k, First: now, lastReport: now, state: stUsed}
		f.ClientSide = t.clientSide(p, side)
		t.insert(k, pr.hash, i)
		t.Stats.Flows++
		isNew = true
	}
	if now > f.Last {
		f.Last = now
	}
	f.Packets[side]++
	f.Bytes[side] += uint64(p.IPLen)
	f.Payload[side] += uint64(p.PayloadLen)
	class := classOf(p.Proto)
	if p.Proto == decode.ProtoTCP {
		f.Flags[side] |= p.TCPFlags
		if isNew && p.TCPFlags&(decode.FlagSYN|decode.FlagACK) == decode.FlagSYN|decode.FlagACK {
			f.ClientSide = 1 - side
		}
		if p.TCPFlags&decode.FlagFIN != 0 {
			f.state |= stFIN0 << side
		}
		if p.TCPFlags&decode.FlagRST != 0 {
			f.state |= stRST
		}
		if f.state&stRST != 0 || f.state&(stFIN0|stFIN1) == stFIN0|stFIN1 {
			class = classClosing
		}
	}
	switch {
	case isNew:
		t.pushBack(i, f, class)
	case class != f.class || f.Last-f.queuedAt() >= t.requeue[class]:
		t.unlink(i, f)
		t.pushBack(i, f, class)
		f.setQueued()
	}
	if t.cfg.ActiveTimeout > 0 && now-f.lastReport >= int64(t.cfg.ActiveTimeout) {
		f.lastReport = now
		t.Stats.Records++
		t.Stats.Interim++
		t.report(Record{Flow: f, Reason: ReasonActive, Time: p.Timestamp})
	}
	t.Stats.Active = t.Len()
	return f, isNew, side == f.ClientSide
}

// clientSide picks the client for a new flow from its first packet.
func (t *Table) clientSide(p *decode.Packet, side uint8) uint8 {
	if p.Proto == decode.ProtoTCP && p.TCPFlags&decode.FlagSYN != 0 {
		return side // SYN sender; a SYN-ACK is corrected by the caller
	}
	if p.Proto == decode.ProtoICMP || p.Proto == decode.ProtoICMPv6 {
		return side
	}
	sp, dp := p.SrcPort, p.DstPort
	if t.serverPort != nil {
		ss, ds := t.serverPort(p.Proto, sp), t.serverPort(p.Proto, dp)
		if ss && !ds {
			return 1 - side
		}
		if ds && !ss {
			return side
		}
	}
	if sp < 1024 && dp >= 1024 {
		return 1 - side
	}
	if dp < 1024 && sp >= 1024 {
		return side
	}
	if sp < dp && sp < 1024 {
		return 1 - side
	}
	return side
}

// Sweep ends flows whose idle timeout (or linger) has passed at now. Each class's list keeps
// its flows in idle order only roughly: an update moves a flow to the back of its list only
// when its last packet is later than its place by a sixteenth of the timeout (at most 1 s),
// so that most packets touch their flow alone and not its neighbours in the list. A sweep
// stops at the first flow still in time, so a flow may end that much after its timeout; its
// record still carries the time of its last packet.
func (t *Table) Sweep(now time.Time) {
	n := now.UnixNano()
	t.lastSweep = n
	for c := uint8(0); c < numClasses; c++ {
		for t.head[c] != 0 {
			i := t.head[c]
			f := t.at(i)
			if n-f.Last < t.timeouts[c] {
				break
			}
			reason := ReasonIdle
			if c == classClosing {
				reason = ReasonFIN
				if f.state&stRST != 0 {
					reason = ReasonRST
				}
				t.Stats.Closed++
			} else {
				t.Stats.Expired++
			}
			t.finish(i, f, reason, time.Unix(0, f.Last))
		}
	}
	t.Stats.Active = t.Len()
}

// evictOne ends the flow that has been idle longest.
func (t *Table) evictOne(now time.Time) {
	var best uint32
	var bestLast int64
	for c := 0; c < numClasses; c++ {
		if h := t.head[c]; h != 0 {
			if f := t.at(h); best == 0 || f.Last < bestLast {
				best, bestLast = h, f.Last
			}
		}
	}
	if best == 0 {
		return
	}
	t.Stats.Evicted++
	t.finish(best, t.at(best), ReasonEviction, now)
}

func (t *Table) finish(i uint32, f *Flow, reason Reason, at time.Time) {
	t.unlink(i, f)
	t.remove(&f.Key, i)
	t.Stats.Records++
	t.report(Record{Flow: f, Reason: reason, Final: true, Time: at})
	t.release(i)
}

// Flush ends every flow (end of input or shutdown) with reason "end" (flows closing after
// FIN or RST with that reason), class by class in idle order. As every flow goes, the index,
// the lists and the slots are emptied at once afterwards instead of flow by flow; the table
// is as new (its memory kept) when Flush returns.
func (t *Table) Flush() {
	for c := uint8(0); c < numClasses; c++ {
		for i := t.head[c]; i != 0; i = t.ln(i).next {
			f := t.at(i)
			t.Stats.Flushed++
			t.Stats.Records++
			reason := ReasonEnd
			if c == classClosing {
				reason = ReasonFIN
				if f.state&stRST != 0 {
					reason = ReasonRST
				}
			}
			t.report(Record{Flow: f, Reason: reason, Final: true, Time: time.Unix(0, f.Last)})
			f.Ext = nil // garbage from now on, not at the end of the flush
		}
	}
	n := int(t.used)
	for k := range t.chunks {
		m := min(n-k*chunkSize, chunkSize)
		if m <= 0 {
			break
		}
		clear(t.chunks[k][:m])
		clear(t.links[k][:m])
	}
	clear(t.idx.slots)
	t.idx.n = 0
	t.free, t.used = 0, 1
	t.head, t.tail = [numClasses]uint32{}, [numClasses]uint32{}
	t.Stats.Active = 0
}

// Len returns the number of flows tracked.
func (t *Table) Len() int { return t.idx.n }
