package logs

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/borderwatch/borderwatch"
)

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

func (s *Source) listen(ctx context.Context, out borderwatch.Emitter) error {
	return errors.New("syslog listener: not built yet")
}
