package geoip

import (
	"errors"
	"fmt"

	geoip2 "github.com/oschwald/geoip2-golang/v2"
)

// Kind is the role a database plays.
type Kind int

// The database roles.
const (
	KindCity        Kind = iota + 1 // City or Country: where an address is
	KindASN                         // ASN or ISP: who operates it
	KindAnonymousIP                 // MaxMind Anonymous-IP flags
)

func (k Kind) String() string {
	switch k {
	case KindCity:
		return "city"
	case KindASN:
		return "asn"
	case KindAnonymousIP:
		return "anonymous_ip"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

func (k Kind) wants() string {
	switch k {
	case KindCity:
		return "a City or Country database (GeoIP2-City, GeoLite2-City, DBIP-City-Lite, GeoLite2-Country, ...)"
	case KindASN:
		return "an ASN database (GeoLite2-ASN, DBIP-ASN-Lite, GeoIP2-ISP)"
	default:
		return "a GeoIP2-Anonymous-IP or GeoIP-Anonymous-Plus database"
	}
}

// ErrWrongType is returned when a file's database_type does not fit the role it is configured for.
var ErrWrongType = errors.New("wrong database type")

// checkType opens buf with geoip2-golang, which knows every GeoIP2, GeoLite2 and DB-IP type,
// and checks that the database can serve kind.
func checkType(path string, buf []byte, kind Kind) (string, error) {
	r, err := geoip2.OpenBytes(buf)
	if err != nil {
		var unknown geoip2.UnknownDatabaseTypeError
		if errors.As(err, &unknown) {
			return "", fmt.Errorf("geoip: %s: database type %q is not known; enrich.geoip.%s needs %s: %w",
				path, unknown.DatabaseType, kind, kind.wants(), ErrWrongType)
		}
		return "", fmt.Errorf("geoip: %s: not a MaxMind DB file: %w", path, err)
	}
	dbType := r.Metadata().DatabaseType
	ip := loopbackProbe
	var probe error
	switch kind {
	case KindCity:
		_, probe = r.City(ip)
	case KindASN:
		_, probe = r.ASN(ip)
	case KindAnonymousIP:
		// GeoIP-Anonymous-Plus carries the same is_* flags.
		if _, probe = r.AnonymousIP(ip); probe != nil {
			if _, err := r.AnonymousPlus(ip); err == nil {
				probe = nil
			}
		}
	}
	var invalid geoip2.InvalidMethodError
	if errors.As(probe, &invalid) {
		return "", fmt.Errorf("geoip: %s is a %s database; enrich.geoip.%s needs %s: %w",
			path, dbType, kind, kind.wants(), ErrWrongType)
	}
	return dbType, nil
}
