package elasticsearch

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	es "github.com/elastic/go-elasticsearch/v8"
)

// LogValue hides the secret in structured logs.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// NewClient builds a go-elasticsearch client from cfg: nodes or Cloud ID, one kind of
// credentials, TLS verified against the system pool, a CA file or a pinned fingerprint, gzip,
// timeouts, and transport retries of 429/502/503/504 with equal-jitter backoff. Turning
// verification off logs a warning.
func NewClient(cfg Config, log *slog.Logger) (*es.Client, error) {
	if log == nil {
		log = slog.Default()
	}
	tlsConf, err := tlsConfig(cfg.TLS)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch: %w", err)
	}
	if cfg.TLS.InsecureSkipVerify {
		log.Warn("elasticsearch: TLS certificate verification is OFF (tls.insecure_skip_verify); anyone on the path can read and change the data")
	}
	dialer := &net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   cfg.DialTimeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   max(cfg.Workers*2, 4),
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	ec := es.Config{
		Addresses:           cfg.URLs,
		Username:            cfg.Username,
		Transport:           transport,
		CompressRequestBody: cfg.Compression,
		RetryOnStatus:       []int{429, 502, 503, 504},
		MaxRetries:          2,
		RetryBackoff:        Backoff{Base: cfg.Retry.Backoff, Max: cfg.Retry.MaxBackoff}.Wait,
		RetryOnError:        func(_ *http.Request, err error) bool { return !isTLSError(err) },
	}
	if cfg.CloudID != "" {
		ec.Addresses, ec.CloudID = nil, cfg.CloudID
	}
	if ec.Password, err = cfg.Password.Resolve(); err != nil {
		return nil, fmt.Errorf("elasticsearch.password: %w", err)
	}
	if ec.APIKey, err = cfg.APIKey.Resolve(); err != nil {
		return nil, fmt.Errorf("elasticsearch.api_key: %w", err)
	}
	if ec.ServiceToken, err = cfg.ServiceToken.Resolve(); err != nil {
		return nil, fmt.Errorf("elasticsearch.service_token: %w", err)
	}
	c, err := es.NewClient(ec)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch: %w", err)
	}
	return c, nil
}

func tlsConfig(c TLSConfig) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls.ca_file %s: no PEM certificate in it", c.CAFile)
		}
		conf.RootCAs = pool
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls.cert_file: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if c.InsecureSkipVerify {
		conf.InsecureSkipVerify = true
		return conf, nil
	}
	if c.CAFingerprint != "" {
		want, err := parseFingerprint(c.CAFingerprint)
		if err != nil {
			return nil, fmt.Errorf("tls.ca_fingerprint: %w", err)
		}
		// Verify by hand: the chain must contain the pinned certificate, and the leaf must be
		// valid for the host under that certificate.
		conf.InsecureSkipVerify = true
		conf.VerifyConnection = func(cs tls.ConnectionState) error {
			return verifyPinned(cs, want)
		}
	}
	return conf, nil
}

func parseFingerprint(s string) ([]byte, error) {
	s = strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(s))
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != sha256.Size {
		return nil, errors.New("want the SHA-256 fingerprint as 64 hex digits (colons allowed)")
	}
	return b, nil
}

// ErrFingerprint is returned when no certificate of the server's chain has the pinned
// fingerprint.
var ErrFingerprint = errors.New("server certificate chain does not contain the pinned CA fingerprint")

func verifyPinned(cs tls.ConnectionState, want []byte) error {
	if len(cs.PeerCertificates) == 0 {
		return ErrFingerprint
	}
	for _, cert := range cs.PeerCertificates {
		sum := sha256.Sum256(cert.Raw)
		if !bytes.Equal(sum[:], want) {
			continue
		}
		pool := x509.NewCertPool()
		pool.AddCert(cert)
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		leaf := cs.PeerCertificates[0]
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: cs.ServerName, Roots: pool, Intermediates: inter}); err != nil {
			// The pinned certificate is the leaf itself, or the chain is self-contained.
			if !bytes.Equal(leaf.Raw, cert.Raw) {
				return fmt.Errorf("pinned certificate found but the chain does not verify: %w", err)
			}
		}
		return nil
	}
	return ErrFingerprint
}

// Backoff is equal-jitter exponential backoff: attempt n waits d/2 + rand(d/2) where
// d = min(Max, Base·2^(n-1)). The zero value waits nothing. It is safe for concurrent use.
type Backoff struct {
	Base, Max time.Duration
}

// Wait returns the wait before attempt n (1 = first retry).
func (b Backoff) Wait(n int) time.Duration {
	if b.Base <= 0 {
		return 0
	}
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	half := d / 2
	return half + rand.N(half+1)
}
