#!/usr/bin/env bash
# Fetches the real GeoLite2 City, Country and ASN databases for the enrichment end-to-end tests
# and benchmarks: `npm pack geolite2@4.0.1` (its install script wants a licence key, so the
# tarball is unpacked instead of installed) into a cache outside the repository, never into git.
# Destination: $BORDERWATCH_GEOLITE2_DIR, or ${XDG_CACHE_HOME:-$HOME/.cache}/borderwatch/geolite2-4.0.1.
# Also installs Debian's location + libloc-database (IPFire location database, CC BY-SA), whose
# anonymous-proxy and satellite networks the range-list tests load as real lists, and npm when
# it is missing. Idempotent; run as root on Debian.
set -euo pipefail
dest="${BORDERWATCH_GEOLITE2_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/borderwatch/geolite2-4.0.1}"
need=()
command -v location >/dev/null 2>&1 || need+=(location libloc-database)
have_geolite2() {
	[ -s "$dest/GeoLite2-City.mmdb" ] && [ -s "$dest/GeoLite2-ASN.mmdb" ] && [ -s "$dest/GeoLite2-Country.mmdb" ]
}
have_geolite2 || command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	# Other deps scripts may hold the dpkg lock: wait for it instead of failing.
	apt-get -o DPkg::Lock::Timeout=600 update
	apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${need[@]}"
fi
if have_geolite2; then
	exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent geolite2@4.0.1 >/dev/null)
tar -xzf "$tmp"/geolite2-4.0.1.tgz -C "$tmp" package/dbs
mkdir -p "$dest"
for f in GeoLite2-City.mmdb GeoLite2-Country.mmdb GeoLite2-ASN.mmdb; do
	test -s "$tmp/package/dbs/$f" || { echo "deps-enrich: $f missing from geolite2@4.0.1" >&2; exit 1; }
	mv "$tmp/package/dbs/$f" "$dest/$f.tmp" && mv "$dest/$f.tmp" "$dest/$f"
done
echo "deps-enrich: GeoLite2 databases in $dest"
