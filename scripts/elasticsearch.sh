#!/usr/bin/env bash
# Runs throwaway Elasticsearch nodes for borderwatch's integration, fault and security tests.
#
#   scripts/elasticsearch.sh fetch              download (once) and unpack the distribution; no node
#   scripts/elasticsearch.sh start  [options]   download (once), unpack and start a node; idempotent
#   scripts/elasticsearch.sh stop   [options]   stop the node (TERM, then KILL after 30 s)
#   scripts/elasticsearch.sh kill   [options]   kill -9 the node (fault tests)
#   scripts/elasticsearch.sh status [options]   exit 0 if the node answers, 1 otherwise
#   scripts/elasticsearch.sh url    [options]   print the node's URL
#   scripts/elasticsearch.sh env    [options]   print URL, CA, USER, PASSWORD, PID_FILE, LOG as KEY=VALUE lines
#   scripts/elasticsearch.sh logs   [options]   print the tail of the node's log
#
# Options (each also read from the environment):
#   --name NAME        BW_ES_NAME      instance name: its own config, data, logs and pid (default: test)
#   --port PORT        BW_ES_PORT      HTTP port (default: 9250)
#   --tls              BW_ES_TLS=1     security on: TLS on HTTP with a generated CA, a file-realm user
#   --user U           BW_ES_USER      file-realm superuser with --tls (default: borderwatch)
#   --password P       BW_ES_PASSWORD  its password (default: borderwatch-test)
#   --heap SIZE        BW_ES_HEAP      JVM heap (default: 512m)
#   -E key=value       BW_ES_SETTINGS  extra node settings (repeatable; the variable is space-separated)
#
# Other environment: BORDERWATCH_CACHE (download cache, default ~/.cache/borderwatch),
# BORDERWATCH_ES_RUN (unpacked tree and instances, default /var/tmp/borderwatch-es),
# BW_ES_VERSION (default 8.19.7), ES_JAVA_HOME (default: OpenJDK 17 under /usr/lib/jvm).
#
# The node is Maven Central's integration-test distribution of Elasticsearch. Elasticsearch
# refuses to run as root, so as root the node runs as the system user borderwatch-es.
# Settings apply when a node starts; `start` on a running node does not change them.
set -euo pipefail

cmd="${1:-}"
[ $# -gt 0 ] && shift
name="${BW_ES_NAME:-test}"
port="${BW_ES_PORT:-9250}"
tls="${BW_ES_TLS:-0}"
es_user="${BW_ES_USER:-borderwatch}"
es_password="${BW_ES_PASSWORD:-borderwatch-test}"
heap="${BW_ES_HEAP:-512m}"
version="${BW_ES_VERSION:-8.19.7}"
read -r -a settings <<<"${BW_ES_SETTINGS:-}"
while [ $# -gt 0 ]; do
	case "$1" in
	--name) name="$2"; shift 2 ;;
	--port) port="$2"; shift 2 ;;
	--tls) tls=1; shift ;;
	--user) es_user="$2"; shift 2 ;;
	--password) es_password="$2"; shift 2 ;;
	--heap) heap="$2"; shift 2 ;;
	-E) settings+=("$2"); shift 2 ;;
	*) echo "elasticsearch.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
case "$name" in *[!a-zA-Z0-9_-]*|"") echo "elasticsearch.sh: bad instance name $name" >&2; exit 2 ;; esac

cache="${BORDERWATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/borderwatch}"
run="${BORDERWATCH_ES_RUN:-/var/tmp/borderwatch-es}"
zip="$cache/elasticsearch-$version.zip"
dist="$run/dist/elasticsearch-$version"
inst="$run/$name"
pidfile="$inst/es.pid"
runas=borderwatch-es

log() { echo "elasticsearch.sh[$name]: $*" >&2; }

java_home() {
	if [ -n "${ES_JAVA_HOME:-}" ]; then echo "$ES_JAVA_HOME"; return; fi
	for d in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/jvm/java-17-openjdk*; do
		if [ -x "$d/bin/java" ]; then echo "$d"; return; fi
	done
	log "no Java 17 found under /usr/lib/jvm; set ES_JAVA_HOME"
	return 1
}

as_node_user() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$runas" -- "$@"
	else
		"$@"
	fi
}

fetch() {
	if [ -d "$dist" ]; then return; fi
	mkdir -p "$cache" "$run/dist"
	if [ ! -s "$zip" ]; then
		command -v mvn >/dev/null || { log "mvn not found: install maven (scripts/ci/deps-elasticsearch.sh)"; return 1; }
		log "downloading the Elasticsearch $version test distribution from Maven Central"
		mvn -q -B dependency:copy \
			-Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$version:zip" \
			-DoutputDirectory="$cache" >&2
	fi
	local tmp
	tmp="$(mktemp -d "$run/dist/unpack.XXXXXX")"
	unzip -q "$zip" -d "$tmp"
	mv "$tmp/elasticsearch-$version" "$dist"
	rmdir "$tmp"
}

scheme() { if [ "$tls" = 1 ]; then echo https; else echo http; fi; }

# curl_node PATH: a request to the node with the instance's credentials and CA.
curl_node() {
	local args=(-sS --max-time 10)
	if [ -f "$inst/tls" ]; then
		args+=(--cacert "$inst/config/certs/ca/ca.crt" -u "$(cat "$inst/user"):$(cat "$inst/password")")
	fi
	curl "${args[@]}" "$(cat "$inst/url")$1"
}

alive() {
	[ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

healthy() {
	alive && [ -f "$inst/url" ] && curl_node "/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null | grep -q '"status":"\(yellow\|green\)"'
}

prepare_tls() {
	local conf="$inst/config" bin="$dist/bin"
	if [ ! -f "$conf/certs/ca/ca.crt" ]; then
		mkdir -p "$conf/certs"
		ES_PATH_CONF="$conf" ES_JAVA_HOME="$(java_home)" "$bin/elasticsearch-certutil" ca --pem --silent --out "$conf/certs/ca.zip" >/dev/null
		unzip -q -o "$conf/certs/ca.zip" -d "$conf/certs"
		ES_PATH_CONF="$conf" ES_JAVA_HOME="$(java_home)" "$bin/elasticsearch-certutil" cert --pem --silent \
			--ca-cert "$conf/certs/ca/ca.crt" --ca-key "$conf/certs/ca/ca.key" \
			--dns localhost --ip 127.0.0.1 --ip ::1 --name node --out "$conf/certs/node.zip" >/dev/null
		unzip -q -o "$conf/certs/node.zip" -d "$conf/certs"
	fi
	# The node presents its whole chain (leaf, then CA), as an auto-configured node does, so
	# that clients can pin the CA by fingerprint.
	cat "$conf/certs/node/node.crt" "$conf/certs/ca/ca.crt" >"$conf/certs/node/chain.crt"
	ES_PATH_CONF="$conf" ES_JAVA_HOME="$(java_home)" "$bin/elasticsearch-users" userdel "$es_user" >/dev/null 2>&1 || true
	ES_PATH_CONF="$conf" ES_JAVA_HOME="$(java_home)" "$bin/elasticsearch-users" useradd "$es_user" -p "$es_password" -r superuser
}

start() {
	if healthy; then
		log "already running at $(cat "$inst/url")"
		return 0
	fi
	if alive; then
		log "process $(cat "$pidfile") is up but not healthy; restarting it"
		stop
	fi
	fetch
	local jh
	jh="$(java_home)"
	if [ "$(id -u)" = 0 ] && ! id "$runas" >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin "$runas"
	fi
	mkdir -p "$inst/data" "$inst/logs"
	if [ ! -d "$inst/config" ]; then
		cp -r "$dist/config" "$inst/config"
	fi
	local sec=(-E xpack.security.enabled=false)
	rm -f "$inst/tls"
	if [ "$tls" = 1 ]; then
		prepare_tls
		sec=(-E xpack.security.enabled=true -E xpack.security.http.ssl.enabled=true
			-E xpack.security.http.ssl.key=certs/node/node.key
			-E xpack.security.http.ssl.certificate=certs/node/chain.crt
			-E xpack.security.http.ssl.certificate_authorities=certs/ca/ca.crt
			-E xpack.security.transport.ssl.enabled=false)
		touch "$inst/tls"
	fi
	echo "$(scheme)://127.0.0.1:$port" >"$inst/url"
	printf '%s' "$es_user" >"$inst/user"
	printf '%s' "$es_password" >"$inst/password"
	if [ "$(id -u)" = 0 ]; then
		chmod 755 "$run" "$run/dist"
		chown -R "$runas" "$dist" "$inst"
	fi
	rm -f "$pidfile"
	local extra=()
	for s in "${settings[@]+"${settings[@]}"}"; do extra+=(-E "$s"); done
	log "starting on port $port ($(scheme))"
	if ! as_node_user env ES_JAVA_HOME="$jh" ES_PATH_CONF="$inst/config" ES_JAVA_OPTS="-Xms$heap -Xmx$heap" \
		"$dist/bin/elasticsearch" -d -p "$pidfile" \
		-E discovery.type=single-node -E network.host=127.0.0.1 -E http.port="$port" \
		-E transport.port=0 -E cluster.name="borderwatch-$name" -E node.name="$name" \
		-E path.data="$inst/data" -E path.logs="$inst/logs" \
		-E cluster.routing.allocation.disk.threshold_enabled=false \
		-E action.destructive_requires_name=false \
		"${sec[@]}" "${extra[@]+"${extra[@]}"}" >"$inst/start.out" 2>&1; then
		log "elasticsearch did not start:"
		cat "$inst/start.out" >&2
		logs >&2
		return 1
	fi
	local deadline=$((SECONDS + ${BW_ES_START_TIMEOUT:-180}))
	until healthy; do
		if [ $SECONDS -ge $deadline ] || ! alive; then
			log "not healthy (yellow) in time; last log lines:"
			logs >&2
			return 1
		fi
		sleep 1
	done
	log "up at $(cat "$inst/url")"
}

stop() {
	if ! alive; then
		rm -f "$pidfile"
		return 0
	fi
	local pid
	pid="$(cat "$pidfile")"
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 1 60); do
		kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; log "stopped"; return 0; }
		sleep 0.5
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$pidfile"
	log "killed after 30 s"
}

logs() {
	local f="$inst/logs/borderwatch-$name.log"
	if [ -f "$f" ]; then tail -n "${BW_ES_LOG_LINES:-40}" "$f"; fi
	if [ -f "$inst/start.out" ]; then tail -n 20 "$inst/start.out"; fi
}

case "$cmd" in
fetch) fetch ;;
start) start ;;
stop) stop ;;
kill)
	if alive; then kill -9 "$(cat "$pidfile")"; fi
	for _ in $(seq 1 50); do alive || break; sleep 0.1; done
	;;
status) healthy ;;
url)
	if [ -f "$inst/url" ]; then cat "$inst/url"; else echo "$(scheme)://127.0.0.1:$port"; fi
	;;
env)
	echo "URL=$(cat "$inst/url" 2>/dev/null || echo "$(scheme)://127.0.0.1:$port")"
	if [ -f "$inst/tls" ]; then
		echo "CA=$inst/config/certs/ca/ca.crt"
		echo "USER=$(cat "$inst/user")"
		echo "PASSWORD=$(cat "$inst/password")"
	fi
	echo "PID_FILE=$pidfile"
	echo "LOG=$inst/logs/borderwatch-$name.log"
	;;
logs) logs ;;
*)
	sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
