package logs

import (
	"bufio"
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch"
)

// The syslog listener receives messages over UDP (one message per datagram, or several
// separated by newlines) and TCP (RFC 6587: octet counting "LEN SP MSG" or newline-terminated
// messages, decided per message). RFC 3164 and RFC 5424 headers are read by the format
// parsers, as in files. The format is detected per sender (by address) from its messages and
// re-detected for a message its format refuses, so one listener takes several appliances.
//
// Limits: messages over max_message are dropped and rejected (with the sender); TCP
// connections over max_conns are refused and counted; a connection idle for idle_timeout is
// closed; the per-sender detection state is kept for at most max_senders senders (least
// recently heard evicted). Reading blocks while the pipeline is full: TCP senders are slowed
// down; for UDP the kernel's socket buffer (enlarged to 4 MiB) absorbs bursts.

// ListenerConfig bounds the syslog listeners. The zero value takes the defaults.
type ListenerConfig struct {
	MaxMessage  int           `yaml:"max_message"`  // bytes per message (default 64 KiB); longer ones are dropped and counted
	MaxConns    int           `yaml:"max_conns"`    // concurrent TCP connections (default 256); more are refused and counted
	IdleTimeout time.Duration `yaml:"idle_timeout"` // a TCP connection silent this long is closed (default 5m)
	MaxSenders  int           `yaml:"max_senders"`  // senders whose detected format is remembered (default 4096)
}

func (c *ListenerConfig) setDefaults() {
	if c.MaxMessage <= 0 {
		c.MaxMessage = 64 << 10
	}
	if c.MaxConns <= 0 {
		c.MaxConns = 256
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 5 * time.Minute
	}
	if c.MaxSenders <= 0 {
		c.MaxSenders = 4096
	}
}

// parseListenAddr splits "udp://127.0.0.1:5514" into network and address.
func parseListenAddr(s string) (network, addr string, err error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", "", fmt.Errorf("listen address %q: want udp://host:port or tcp://host:port", s)
	}
	switch u.Scheme {
	case "udp", "tcp":
		return u.Scheme, u.Host, nil
	}
	return "", "", fmt.Errorf("listen address %q: scheme must be udp or tcp", s)
}

// ListenAddrs returns the bound listener addresses ("udp://127.0.0.1:5514"), waiting until
// the listeners are bound or ctx is done. It returns nil if binding failed.
func (s *Source) ListenAddrs(ctx context.Context) []string {
	select {
	case <-s.bound:
	case <-ctx.Done():
		return nil
	}
	return s.boundAddrs
}

// senders remembers each sender's stream (its detected format) with a bound.
type senders struct {
	src   *Source
	out   borderwatch.Emitter
	mu    sync.Mutex
	max   int
	order *list.List // of *sender, most recent first
	byKey map[string]*list.Element
}

type sender struct {
	key string
	mu  sync.Mutex // serializes the stream: TCP connections from one host run concurrently
	st  *stream
}

// get returns the stream of the sender at addr, creating it and evicting the least recent.
func (ss *senders) get(listen string, addr netip.Addr) *sender {
	key := addr.String()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if e, ok := ss.byKey[key]; ok {
		ss.order.MoveToFront(e)
		return e.Value.(*sender)
	}
	if ss.order.Len() >= ss.max {
		old := ss.order.Back()
		ss.order.Remove(old)
		delete(ss.byKey, old.Value.(*sender).key)
		ss.src.stats.SendersEvicted.Add(1)
	}
	st := ss.src.newStream(ss.out, InputSyslog, listen, FrameLines)
	st.sender = key
	snd := &sender{key: key, st: st}
	ss.byKey[key] = ss.order.PushFront(snd)
	return snd
}

// message handles one syslog message from a sender.
func (ss *senders) message(ctx context.Context, listen string, from netip.Addr, msg []byte) error {
	snd := ss.get(listen, from)
	snd.mu.Lock()
	defer snd.mu.Unlock()
	ss.src.stats.Messages.Add(1)
	snd.st.received = time.Now()
	snd.st.path = listen // one host may send over UDP and TCP
	return snd.st.handle(ctx, trimEOL(msg), 0, false)
}

// oversize reports a message dropped for its size.
func (ss *senders) oversize(ctx context.Context, from netip.Addr, head []byte, size int) error {
	ss.src.stats.Dropped.Add(1)
	ss.src.stats.Rejected.Add(1)
	return ss.out.Reject(ctx, borderwatch.Rejected{Format: "syslog", Where: from.String(), Raw: head,
		Err: fmt.Errorf("message of %d bytes exceeds logs.listener.max_message (%d)", size, ss.src.cfg.Listener.MaxMessage)})
}

func (s *Source) listen(ctx context.Context, out borderwatch.Emitter) error {
	ss := &senders{src: s, out: out, max: s.cfg.Listener.MaxSenders, order: list.New(), byKey: map[string]*list.Element{}}
	var (
		wg      sync.WaitGroup
		closers []io.Closer
		errs    = make(chan error, len(s.cfg.Listen))
		lc      net.ListenConfig
	)
	fail := func(err error) error {
		for _, c := range closers {
			c.Close()
		}
		close(s.bound)
		return err
	}
	for _, a := range s.cfg.Listen {
		network, addr, err := parseListenAddr(a)
		if err != nil {
			return fail(fmt.Errorf("logs: %w", err))
		}
		switch network {
		case "udp":
			pc, err := lc.ListenPacket(ctx, "udp", addr)
			if err != nil {
				return fail(fmt.Errorf("logs: listen %s: %w", a, err))
			}
			if uc, ok := pc.(*net.UDPConn); ok {
				_ = uc.SetReadBuffer(4 << 20)
			}
			closers = append(closers, pc)
			name := "udp://" + pc.LocalAddr().String()
			s.boundAddrs = append(s.boundAddrs, name)
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.serveUDP(ctx, pc, name, ss)
			}()
		case "tcp":
			l, err := lc.Listen(ctx, "tcp", addr)
			if err != nil {
				return fail(fmt.Errorf("logs: listen %s: %w", a, err))
			}
			closers = append(closers, l)
			name := "tcp://" + l.Addr().String()
			s.boundAddrs = append(s.boundAddrs, name)
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.serveTCP(ctx, l, name, ss)
			}()
		}
	}
	s.log.Info("syslog listeners ready", "addresses", s.boundAddrs)
	close(s.bound)
	var first error
	select {
	case <-ctx.Done():
	case first = <-errs:
	}
	for _, c := range closers {
		c.Close()
	}
	wg.Wait()
	if first != nil && ctx.Err() == nil {
		return first
	}
	return nil
}

func (s *Source) serveUDP(ctx context.Context, pc net.PacketConn, name string, ss *senders) error {
	max := s.cfg.Listener.MaxMessage
	buf := make([]byte, max+1)
	for {
		n, raddr, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("logs: %s: %w", name, err)
		}
		from := addrOf(raddr)
		if n > max {
			if err := ss.oversize(ctx, from, buf[:min(n, 1024)], n); err != nil {
				return err
			}
			continue
		}
		// Some senders pack several newline-terminated messages into one datagram.
		for msg := range splitLines(buf[:n]) {
			if err := ss.message(ctx, name, from, msg); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
	}
}

func splitLines(b []byte) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			i := 0
			for i < len(b) && b[i] != '\n' {
				i++
			}
			line := trimEOL(b[:i])
			if len(line) > 0 && !yield(line) {
				return
			}
			if i == len(b) {
				return
			}
			b = b[i+1:]
		}
	}
}

func addrOf(a net.Addr) netip.Addr {
	switch a := a.(type) {
	case *net.UDPAddr:
		ip, _ := netip.AddrFromSlice(a.IP)
		return ip.Unmap()
	case *net.TCPAddr:
		ip, _ := netip.AddrFromSlice(a.IP)
		return ip.Unmap()
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

func (s *Source) serveTCP(ctx context.Context, l net.Listener, name string, ss *senders) error {
	sem := make(chan struct{}, s.cfg.Listener.MaxConns)
	var wg sync.WaitGroup
	defer wg.Wait()
	var conns sync.Map
	stop := context.AfterFunc(ctx, func() {
		conns.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
	})
	defer stop()
	for {
		c, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("logs: %s: %w", name, err)
		}
		select {
		case sem <- struct{}{}:
		default:
			s.stats.Refused.Add(1)
			s.log.Warn("syslog connection refused: too many connections", "sender", c.RemoteAddr().String(),
				"max_conns", s.cfg.Listener.MaxConns)
			c.Close()
			continue
		}
		s.stats.Connections.Add(1)
		conns.Store(c, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			defer conns.Delete(c)
			defer c.Close()
			if err := s.serveConn(ctx, c, name, ss); err != nil && ctx.Err() == nil {
				s.log.Warn("syslog connection closed", "sender", c.RemoteAddr().String(), "err", err)
			}
		}()
	}
}

// serveConn reads RFC 6587 frames from one connection until it closes, idles out or breaks
// the protocol.
func (s *Source) serveConn(ctx context.Context, c net.Conn, name string, ss *senders) error {
	from := addrOf(c.RemoteAddr())
	max := s.cfg.Listener.MaxMessage
	br := bufio.NewReaderSize(c, 64<<10)
	lr := newLineReader(br, max, true, 0, 0)
	idle := s.cfg.Listener.IdleTimeout
	for {
		if err := c.SetReadDeadline(time.Now().Add(idle)); err != nil {
			return err
		}
		first, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		if first[0] >= '1' && first[0] <= '9' && octetCounted(br) {
			// Octet counting: "LEN SP MSG".
			n, err := readLength(br)
			if err != nil {
				return err
			}
			if n > max {
				head := make([]byte, min(n, 1024))
				if _, err := io.ReadFull(br, head); err != nil {
					return err
				}
				if _, err := io.CopyN(io.Discard, br, int64(n-len(head))); err != nil {
					return err
				}
				if err := ss.oversize(ctx, from, head, n); err != nil {
					return err
				}
				continue
			}
			msg := make([]byte, n)
			if _, err := io.ReadFull(br, msg); err != nil {
				return fmt.Errorf("octet-counted frame cut short: %w", err)
			}
			if err := ss.message(ctx, name, from, msg); err != nil {
				return err
			}
			continue
		}
		if first[0] == '\n' || first[0] == '\r' || first[0] == 0 {
			_, _ = br.Discard(1)
			continue
		}
		msg, _, tooLong, err := lr.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if tooLong {
			if err := ss.oversize(ctx, from, msg[:min(len(msg), 1024)], len(msg)); err != nil {
				return err
			}
			continue
		}
		if err := ss.message(ctx, name, from, msg); err != nil {
			return err
		}
	}
}

// readLength reads the decimal length and the space of an octet-counted frame.
func readLength(br *bufio.Reader) (int, error) {
	n := 0
	for i := 0; ; i++ {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if c == ' ' && i > 0 {
			return n, nil
		}
		if c < '0' || c > '9' || i >= 9 {
			return 0, fmt.Errorf("bad octet-counting length (byte %s at position %d)", strconv.QuoteRune(rune(c)), i)
		}
		n = n*10 + int(c-'0')
	}
}

// octetCounted tells an octet-counted frame ("LEN SP <PRI>...") from a newline-terminated
// message that happens to start with a digit (a bare time stamp).
func octetCounted(br *bufio.Reader) bool {
	for n := 1; n <= 10; n++ {
		b, err := br.Peek(n)
		if err != nil {
			return false
		}
		switch c := b[n-1]; {
		case c >= '0' && c <= '9':
		case c == ' ' && n > 1:
			next, err := br.Peek(n + 1)
			return err == nil && next[n] == '<'
		default:
			return false
		}
	}
	return false
}
