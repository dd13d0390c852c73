#!/usr/bin/env bash
# Smoke test of the runtime image (image/, profile "image"; README "JPMS"): <image>/bin/meshnode starts to the ready
# line with the platform connected from the image's modules and Meshnode's bundles installed as ordinary bundles (a
# newer one dropped into deploy/ replaces the running one), and stops cleanly on SIGTERM. Prints
# "image-test: N passed, N failed" and fails on any failure.
# Argument: the image (image/target/meshnode-image).
set -uo pipefail
image=${1:?usage: image-test.sh <meshnode-image>}
work=$(mktemp -d "${TMPDIR:-/tmp}/meshnode-image-test.XXXXXX")
passed=0 failed=0
pid=

check_name=image-test
# check, until_true
source "$(dirname "${BASH_SOURCE[0]}")/../../../../cnf/sh/checks.sh"

cleanup() {
    [[ -z $pid ]] || kill -9 "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

home=$work/home
mkdir -p "$home/etc"
# any free port: parallel builds must not collide
echo "listen = 127.0.0.1:0" >"$home/etc/meshnode.mesh.cfg"
echo "port = $((20000 + RANDOM % 20000))" >"$home/etc/meshnode.ssh.cfg"
echo "port = 0" >"$home/etc/meshnode.metrics.cfg"

check "the image has bin/meshnode, its own java and no jar on a class path" \
    test -x "$image/bin/meshnode" -a -x "$image/bin/java" -a -f "$image/lib/modules"
mods=$("$image/bin/java" --list-modules)
check "the platform is in the image as modules (framework, Atomos, SCR, Config Admin, Netty, Gogo, SSHD)" \
    test "$(grep -c -E '^(org\.apache\.felix\.(framework|atomos|scr|configadmin|gogo\.runtime)|io\.netty\.transport|org\.apache\.sshd\.osgi)(@| |$)' <<<"$mods")" = 7
check "Meshnode's bundles are not modules of the image but files in meshnode/bundles" \
    test -z "$(grep -E '^(mesh\.api|mesh\.core|node\.runtime)(@| |$)' <<<"$mods")" -a -f "$(echo "$image"/meshnode/bundles/mesh.core-*.jar)"

"$image/bin/meshnode" --home "$home" </dev/null >"$work/out" 2>&1 &
pid=$!
check "starts to the ready line" until_true 60 grep -q 'meshnode ready: node' "$work/out"
# Felix keeps a copy of each bundle it installed from a file (bundleN/version0.0/bundle.jar); the connected ones it
# reads from their modules
copies=$(find "$home/data/framework" -name bundle.jar | wc -l)
check "Meshnode's $(ls "$image/meshnode/bundles" | wc -l) bundles are ordinary bundles, the platform's are connected ($copies copies in the framework's storage)" \
    test "$copies" = "$(ls "$image/meshnode/bundles" | wc -l)"
check "nothing on stderr or stdout but the ready line ($(head -c 2000 "$work/out"))" \
    test "$(grep -v -c 'meshnode ready: node' "$work/out")" = 0
# the metrics endpoint: the Prometheus client (connected) on the JDK's HTTP server (jdk.httpserver, a connected bundle)
metrics_port() { sed -n 's|.*metrics endpoint: http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$home/data/log/meshnode.log"; }
until_true 30 test -n "$(metrics_port)"
metrics=$( (exec 3<>"/dev/tcp/127.0.0.1/$(metrics_port)" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3) 2>&1)
check "the metrics endpoint serves the node's metrics ($(head -n 1 <<<"$metrics"))" grep -q '^meshnode_' <<<"$metrics"

# hot swap, as in the jar: a newer health.phi dropped into deploy/ is installed and replaces the running one
mkdir -p "$work/newer"
cp "$(echo "$image"/meshnode/bundles/health.phi-*.jar)" "$work/newer/health.phi.jar"
printf 'Bundle-Version: 0.1.1\n' >"$work/newer/manifest"
(cd "$work/newer" && jar --update --file health.phi.jar --manifest manifest 2>/dev/null)
cp "$work/newer/health.phi.jar" "$home/deploy/"
check "a newer Meshnode bundle dropped into deploy/ replaces the running one" \
    until_true 30 grep -q 'deploy/: health.phi 0.1.1 replaces' "$home/data/log/meshnode.log"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
# (143: the JVM's status after SIGTERM, whatever its shutdown hooks did; as `java -jar meshnode.jar`)
check "SIGTERM stops the framework cleanly (meshnode stopped, exit $rc)" \
    test "$rc" = 143 -a -n "$(grep 'meshnode stopped' "$work/out")"

echo "image-test: $passed passed, $failed failed"
((failed == 0))
