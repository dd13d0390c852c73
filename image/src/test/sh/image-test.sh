#!/usr/bin/env bash
# Smoke test of the runtime image (image/, profile "image"; README "JPMS"): <image>/bin/meshnode starts to the ready
# line with the platform connected from the image's modules and Meshnode's bundles installed as ordinary bundles, and
# stops cleanly on SIGTERM. Prints "image-test: N passed, N failed" and fails on any failure.
# Argument: the image (image/target/meshnode-image).
set -uo pipefail
image=${1:?usage: image-test.sh <meshnode-image>}
work=$(mktemp -d "${TMPDIR:-/tmp}/meshnode-image-test.XXXXXX")
passed=0 failed=0
pid=

check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "image-test: ok   $what"
    else
        failed=$((failed + 1))
        echo "image-test: FAIL $what"
    fi
}

# until_true TIMEOUT COMMAND...: true as soon as the command is
until_true() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

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
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
# (143: the JVM's status after SIGTERM, whatever its shutdown hooks did; as `java -jar meshnode.jar`)
check "SIGTERM stops the framework cleanly (meshnode stopped, exit $rc)" \
    test "$rc" = 143 -a -n "$(grep 'meshnode stopped' "$work/out")"

echo "image-test: $passed passed, $failed failed"
((failed == 0))
