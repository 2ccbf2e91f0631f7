package geoiptest

import (
	"os"
	"path/filepath"
	"testing"
)

// GeoLite2Version is the npm package whose GeoLite2 files the end-to-end tests use.
const GeoLite2Version = "geolite2@4.0.1"

// GeoLite2Dir is where scripts/ci/deps-enrich.sh unpacks GeoLite2-City.mmdb,
// GeoLite2-Country.mmdb and GeoLite2-ASN.mmdb: $BORDERWATCH_GEOLITE2_DIR, or else
// <user cache dir>/borderwatch/geolite2-4.0.1. The files are never part of the repository
// (the GeoLite2 licence forbids redistribution).
func GeoLite2Dir() string {
	if d := os.Getenv("BORDERWATCH_GEOLITE2_DIR"); d != "" {
		return d
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "borderwatch", "geolite2-4.0.1")
}

// RequireGeoLite2 returns GeoLite2Dir if it holds the three databases. Otherwise the test
// fails when CI=true and is skipped with one line saying how to fetch them.
func RequireGeoLite2(tb testing.TB) string {
	tb.Helper()
	dir := GeoLite2Dir()
	for _, f := range []string{"GeoLite2-City.mmdb", "GeoLite2-ASN.mmdb", "GeoLite2-Country.mmdb"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			msg := "GeoLite2 files not found in " + dir + ": run scripts/ci/deps-enrich.sh (npm pack " + GeoLite2Version + ") or set BORDERWATCH_GEOLITE2_DIR"
			if os.Getenv("CI") == "true" {
				tb.Fatal(msg)
			}
			tb.Skip(msg)
		}
	}
	return dir
}
