#!/usr/bin/env bash
# Installs Meshnode into a real Apache Karaf minimal distribution and checks it works there:
#   feature:repo-add mvn:io.meshnode/karaf/VERSION/xml/features, feature:install meshnode, the node's ready line,
#   mesh:status over Karaf's SSH console (bin/client). Prints the time from feature:install to the ready line.
# Karaf resolves artifacts only from its own system/ folder and from REPO (the Maven repository this build
# assembled under karaf/target/repo): no remote repository, and not ~/.m2.
# Arguments: KARAF_DIR REPO FEATURES_XML VERSION. Prints "karaf-test: N passed, N failed".
set -uo pipefail
karaf_dist=${1:?usage: karaf-test.sh KARAF_DIR REPO FEATURES_XML VERSION}
repo=$(cd "${2:?}" && pwd)
features=${3:?}
version=${4:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/meshnode-karaf-test.XXXXXX")
k=$work/karaf
passed=0 failed=0 pid=

check_name=karaf-test
# check, until_true
source "$(dirname "${BASH_SOURCE[0]}")/../../../../cnf/sh/checks.sh"

finish() {
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null
    fi
    if ((failed > 0)); then
        echo "karaf-test: Karaf output and log (kept in $work):"
        tail -n 40 "$work/karaf.out" "$k/data/log/karaf.log" 2>/dev/null
    else
        rm -rf "$work"
    fi
}
trap finish EXIT

free_port() { # a port nothing listens on now; parallel builds must not collide (no fixed ports)
    local p
    while :; do
        p=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}

cp -r "$karaf_dist" "$k"
mkdir -p "$repo/io/meshnode/karaf/$version"
cp "$features" "$repo/io/meshnode/karaf/$version/karaf-$version-features.xml"

cat >"$k/etc/org.ops4j.pax.url.mvn.cfg" <<CFG
org.ops4j.pax.url.mvn.useFallbackRepositories=false
org.ops4j.pax.url.mvn.localRepository=$work/m2
org.ops4j.pax.url.mvn.defaultRepositories=\${karaf.home.uri}\${karaf.default.repository}@id=system.repository@snapshots, file:$repo@id=meshnode@snapshots
org.ops4j.pax.url.mvn.repositories=
CFG
ssh_port=$(free_port)
sed -i "s/^sshPort *=.*/sshPort = $ssh_port/; s/^sshHost *=.*/sshHost = 127.0.0.1/" "$k/etc/org.apache.karaf.shell.cfg"
printf 'karaf = karaf,_g_:admingroup\n_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n' >>"$k/etc/users.properties"
# Meshnode's configuration lives in Karaf's etc/, like in a node home; any free port.
echo "listen = 127.0.0.1:0" >"$k/etc/meshnode.mesh.cfg"
# Feature meshnode-metrics: the JDK's HTTP server exported by the framework (as the features file says), the
# endpoint on a free port.
sed -i 's/^org.osgi.framework.system.packages.extra *= *\\$/&\n    com.sun.net.httpserver, \\/' "$k/etc/config.properties"
metrics_port=$(free_port)
echo "port = $metrics_port" >"$k/etc/meshnode.metrics.cfg"

# Commands go in batch mode on stdin: Karaf 4.4.8's client closes a session given a command argument at once.
client() { # client [client options] COMMAND
    local command=${*: -1}
    "$k/bin/client" -h 127.0.0.1 -a "$ssh_port" -u karaf -p karaf "${@:1:$#-1}" -b <<<"$command" 2>&1 | grep -v 'JAVA_HOME not set'
}

# Karaf 4.4.8 (the newest Karaf) starts only on Java 17 to 23: from Java 23 on its bin/inc allows the Security
# Manager (-Djava.security.manager=allow), which Java 24 and later refuse at once. When this build runs on such a JVM
# (JAVA_HOME, else java from PATH), Karaf gets the newest JDK 17-23 installed under /usr/lib/jvm instead; Meshnode's
# bundles are the same class files either way.
java_bin=$(readlink -f "$(command -v "${JAVA_HOME:+$JAVA_HOME/bin/}java")")
if (($(jdk_feature "${java_bin%/bin/java}") >= 24)); then
    karaf_java=$(newest_jdk 17 23)
    check "a JDK 17-23 for Karaf 4.4.8 (this build runs on ${java_bin%/bin/java}): ${karaf_java:-none under /usr/lib/jvm}" \
        test -n "$karaf_java"
    export JAVA_HOME=$karaf_java
fi

# KARAF_EXEC=exec: the script becomes the JVM, so $pid is the process to signal and wait for.
KARAF_EXEC=exec "$k/bin/karaf" server >"$work/karaf.out" 2>&1 </dev/null &
pid=$!

out=$(client -r 90 -d 1 "feature:repo-add mvn:io.meshnode/karaf/$version/xml/features")
check "Karaf is up and feature:repo-add mvn:io.meshnode/karaf/$version/xml/features works ($out)" \
    test -z "$(grep -i error <<<"$out")" -a -n "$(grep -F 'Adding feature url' <<<"$out")"

c0=$(date +%s%N)
client "echo" >/dev/null
client_ms=$((($(date +%s%N) - c0) / 1000000))
t0=$(date +%s%N)
out=$(client "feature:install meshnode")
check "feature:install meshnode ($out)" test -z "$(grep -i error <<<"$out")"
ready=
for _ in $(seq 1 600); do
    ready=$(grep -a -m 1 -o 'meshnode ready: node [0-9a-f]* listening on [^ ]*' "$work/karaf.out" "$k/data/log/karaf.log" 2>/dev/null | head -n 1)
    [[ -n $ready ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
t1=$(date +%s%N)
check "the node prints its ready line ($ready)" test -n "$ready"
# Karaf's own clock: from its "Adding features: meshnode" log line to mesh.core's "listening on" line, logged just
# before the ready line is printed. The wall-clock figure also holds bin/client starting and logging in.
log_ms() { # log_ms PATTERN: the karaf.log timestamp of the first line matching PATTERN, in ms since the epoch
    local ts
    ts=$(grep -a -m 1 -E "$1" "$k/data/log/karaf.log" | cut -d '|' -f 1 | tr -d ' ')
    [[ -n $ts ]] && date -d "${ts/T/ } " +%s%3N 2>/dev/null
}
from_log=$(log_ms 'Adding features: meshnode') to_log=$(log_ms 'MeshComponent .* listening on')
[[ -n $ready ]] && echo "BENCH Karaf: feature:install meshnode to the ready line: $((${to_log:-0} - ${from_log:-0})) ms by Karaf's log; $(((t1 - t0) / 1000000)) ms by the wall clock around bin/client (an empty bin/client command takes $client_ms ms)"

id=$(sed -n 's/.*meshnode ready: node \([0-9a-f]*\).*/\1/p' <<<"$ready")
# Karaf's batch mode prints no command results (its interactive console does): echo prints the returned status.
out=$(client "echo (mesh:status)")
echo "$out" | head -n 12
check "mesh:status answers over Karaf's SSH console with this node's id" test -n "$id" -a -n "$(grep -F "${id:-none}" <<<"$out")"
out=$(client "bundle:list -t 0 -s" | grep -E '\| (mesh\.api|mesh\.core|transport\.netty|policy\.retry|health\.heartbeat|health\.phi|topology\.ring|shell\.commands|mgmt\.jmx) *$')
check "the 9 Meshnode bundles are Active ($(tr -s ' \n' ' ' <<<"$out"))" test "$(grep -c Active <<<"$out")" = 9
check "the default configuration files were written to Karaf's etc/" test -f "$k/etc/meshnode.heartbeat.cfg"
# node:shutdown / node:exit would stop all of Karaf without system:shutdown's confirmation: not registered here
out=$(client "echo (mesh:peers)" 2>&1)
check "the mesh: commands are registered ($(head -c 80 <<<"$out"))" test -z "$(grep -i 'command not found' <<<"$out")"
out=$(client "node:shutdown --help" 2>&1)
check "the node: commands (node:shutdown, node:exit) are not ($(head -c 80 <<<"$out"))" grep -qi 'command not found' <<<"$out"

out=$(client "feature:install meshnode-metrics")
check "feature:install meshnode-metrics ($out)" test -z "$(grep -i error <<<"$out")"
metrics() { # GET /metrics of the endpoint, with bash alone
    exec 3<>"/dev/tcp/127.0.0.1/$metrics_port" || return 1
    printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    cat <&3
    exec 3<&-
}
scraped=
for _ in $(seq 1 300); do
    scraped=$(metrics 2>/dev/null | grep -a -E '^meshnode_(up|peers\{state="CONNECTED"\}) ')
    grep -q '^meshnode_up 1.0' <<<"$scraped" && break
    sleep 0.1
done
check "the metrics endpoint answers on 127.0.0.1:$metrics_port/metrics ($(tr '\n' ' ' <<<"$scraped"))" \
    grep -q '^meshnode_up 1.0' <<<"$scraped"

kill -TERM "$pid"
for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "Karaf stops on SIGTERM" test ! -d "/proc/$pid"

echo "karaf-test: $passed passed, $failed failed"
((failed == 0))
