package elasticsearch

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

var (
	// ErrAuth marks a request the cluster refused for its credentials (401) or permissions
	// (403). It is not retried: a retry storm would not fix it.
	ErrAuth = errors.New("elasticsearch refused the credentials")
	// ErrTLS marks a server whose certificate could not be verified. It is not retried.
	ErrTLS = errors.New("elasticsearch TLS verification failed")
	// ErrUnavailable marks a cluster that could not be reached or answered 429/5xx; callers
	// retry it with backoff.
	ErrUnavailable = errors.New("elasticsearch unavailable")
)

// StatusError is an HTTP answer the sink did not expect.
type StatusError struct {
	Status int
	Type   string // Elasticsearch's error.type, when it gave one
	Reason string
}

func (e *StatusError) Error() string {
	if e.Type != "" {
		return fmt.Sprintf("status %d: %s: %s", e.Status, e.Type, e.Reason)
	}
	return fmt.Sprintf("status %d: %s", e.Status, e.Reason)
}

// Unwrap lets errors.Is find ErrAuth and ErrUnavailable.
func (e *StatusError) Unwrap() error {
	switch {
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return ErrAuth
	case e.Status == http.StatusTooManyRequests || e.Status >= 500:
		return ErrUnavailable
	}
	return nil
}

func statusError(status int, body []byte) error {
	e := &StatusError{Status: status}
	var r struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &r) == nil && len(r.Error) > 0 {
		var obj struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		}
		if json.Unmarshal(r.Error, &obj) == nil {
			e.Type, e.Reason = obj.Type, obj.Reason
		} else {
			_ = json.Unmarshal(r.Error, &e.Reason)
		}
	}
	if e.Reason == "" {
		e.Reason = http.StatusText(status)
		if len(body) > 0 && len(body) < 300 {
			e.Reason = string(body)
		}
	}
	if status == http.StatusUnauthorized {
		e.Reason += " (check elasticsearch.username/password, api_key or service_token)"
	}
	return e
}

func isTLSError(err error) bool {
	var (
		ua  x509.UnknownAuthorityError
		hn  x509.HostnameError
		ci  x509.CertificateInvalidError
		rec tls.RecordHeaderError
		ve  *tls.CertificateVerificationError
	)
	return errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) || errors.As(err, &ve) ||
		errors.As(err, &rec) || errors.Is(err, ErrFingerprint)
}

// classifyTransportError wraps an error from the HTTP transport as ErrTLS (do not retry) or
// ErrUnavailable (retry).
func classifyTransportError(err error) error {
	if isTLSError(err) {
		return fmt.Errorf("%w: %w (check elasticsearch.tls.ca_file or ca_fingerprint)", ErrTLS, err)
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}
