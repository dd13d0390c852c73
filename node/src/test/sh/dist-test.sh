#!/usr/bin/env bash
# Exercises the distribution archive as an operator would: unpack, then bin/meshnode start, status, stop from
# another directory, through a symlink, with MESHNODE_HOME and JAVA_OPTS. Run by the build (node, integration-test
# phase); prints "dist-test: N passed, N failed" and fails on any failure.
# Argument: the archive (target/meshnode-<version>.tar.gz).
set -uo pipefail
archive=${1:?usage: dist-test.sh <meshnode-*.tar.gz>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/meshnode-dist-test.XXXXXX")
passed=0 failed=0

check_name=dist-test
# check, until_true
source "$(dirname "${BASH_SOURCE[0]}")/../../../../cnf/sh/checks.sh"

# the log's last line is a JSON object with time, level, bundle and message (checked by Python's parser if present)
json_line() {
    local last
    # the line saying so, wherever it is: other lines may follow it at once
    last=$(grep -a '"message":"log level changed from DEBUG to INFO"' "$1" | tail -n 1)
    [[ $last == '{"time":'*'"message":"log level changed from DEBUG to INFO"}' ]] || return 1
    ! command -v python3 >/dev/null || python3 -c 'import json,sys; o=json.loads(sys.argv[1]); assert {"time","level","bundle","message"} <= o.keys()' "$last"
}

tar -xzf "$archive" -C "$work"
dist=$(echo "$work"/meshnode-*)
export MESHNODE_HOME=$work/home
# any free port: parallel builds must not collide (the ready line tells which one)
mkdir -p "$MESHNODE_HOME/etc"
echo "listen = 127.0.0.1:0" >"$MESHNODE_HOME/etc/meshnode.mesh.cfg"
ssh_port=$((20000 + RANDOM % 20000))
echo "port = $ssh_port" >"$MESHNODE_HOME/etc/meshnode.ssh.cfg"
echo "port = $((ssh_port + 20000))" >"$MESHNODE_HOME/etc/meshnode.metrics.cfg" # not 7802, which another node may hold
# the JVM's temporary folder: empty, and must still be empty after a start and a stop
mkdir -p "$work/systmp"
export JAVA_OPTS="-Xmx64m -Dmeshnode.dist.test=$$ -Djava.io.tmpdir=$work/systmp"
mkdir -p "$work/bin" "$work/elsewhere"
ln -s "$dist/bin/meshnode" "$work/bin/meshnode"
cd "$work/elsewhere"
mn=$work/bin/meshnode

cleanup() {
    local pid
    pid=$(cat "$MESHNODE_HOME/data/meshnode.pid" 2>/dev/null) && kill -9 "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

check "archive has bin/meshnode, lib/meshnode.jar and systemd/meshnode.service" \
    test -x "$dist/bin/meshnode" -a -f "$dist/lib/meshnode.jar" -a -f "$dist/systemd/meshnode.service"

out=$("$mn" status); rc=$?
check "status before start: not running, exit 3 ($out)" test "$rc" = 3

# one log: the libraries' logging reaches data/log/meshnode.log (DEBUG, so that SSHD and Netty have something to say)
printf 'level = DEBUG\n' >"$MESHNODE_HOME/etc/meshnode.log.cfg"

# the id before the first start
out=$("$mn" id 2>&1); rc=$?
echo "$out"
id=$(sed -n 's/^node \([0-9a-f]\{40\}\)$/\1/p' <<<"$out")
check "id before the first start: exit 0, node id and key fingerprint" \
    test "$rc" = 0 -a -n "$id" -a -n "$(grep -E '^key  SHA256:[A-Za-z0-9+/]{43}$' <<<"$out")"
check "id created data/node.key owner-only (600) and data/node.pub" \
    test "$(stat -c %a "$MESHNODE_HOME/data/node.key" 2>/dev/null)" = 600 -a -f "$MESHNODE_HOME/data/node.pub"
check "a second id prints the same id" test "$("$mn" id 2>&1 | head -n 1)" = "node $id"
out=$(java -jar "$dist/lib/meshnode.jar" --help); rc=$?
check "--help names --id" test "$rc" = 0 -a -n "$(grep -- '--id' <<<"$out")"

out=$("$mn" start 2>&1); rc=$?
echo "$out"
check "start: exit 0 with the ready line" test "$rc" = 0 -a -n "$(grep 'meshnode ready: node' <<<"$out")"
check "the first start shows the id that id printed" test -n "$id" -a -n "$(grep "meshnode ready: node $id " <<<"$out")"
pid=$(cat "$MESHNODE_HOME/data/meshnode.pid" 2>/dev/null)
check "the JVM runs with -XX:+ExitOnOutOfMemoryError" grep -qa -- "-XX:+ExitOnOutOfMemoryError" "/proc/${pid:-0}/cmdline"
check "the pid file names a live process" kill -0 "${pid:-0}"
check "JAVA_OPTS reached the JVM" grep -qa -- "-Dmeshnode.dist.test=$$" "/proc/${pid:-0}/cmdline"
check "the node uses MESHNODE_HOME (its log is there)" test -f "$MESHNODE_HOME/data/log/meshnode.log"
check "data/ is the node user's only (drwx------: node key, Config Admin's copy of the configuration)" test "$(stat -c %a "$MESHNODE_HOME/data")" = 700
check "nothing written to the working directory" test -z "$(ls -A "$work/elsewhere")"

# a failed SSH login attempt: SSHD logs the session (SLF4J -> JUL -> OSGi Log Service). The SSH console starts after
# the ready line (start level 3): wait until it accepts.
until_true 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$ssh_port" 2>/dev/null
(exec 3<>"/dev/tcp/127.0.0.1/$ssh_port" && head -c 8 <&3 >/dev/null && echo "SSH-2.0-dist-test" >&3 && sleep 1) 2>/dev/null
log=$MESHNODE_HOME/data/log/meshnode.log
check "SSHD's logging is in data/log/meshnode.log" until_true 10 grep -qa 'DEBUG \[org.apache.sshd.osgi\] ' "$log"
check "Netty's logging (through JUL) is in data/log/meshnode.log" grep -qa ' \[io.netty.common\] ' "$log"
# format = json, live: the line saying the level changed is one JSON object
printf 'level = INFO\nformat = json\n' >"$MESHNODE_HOME/etc/meshnode.log.cfg"
check "format = json applies live: one JSON object a line" until_true 10 json_line "$log"

# console right after start reaches the SSH console (a stand-in ssh says whether the port accepted)
mkdir -p "$work/fakebin"
cat >"$work/fakebin/ssh" <<'EOS'
#!/usr/bin/env bash
port=$2 host=${3#*@}
if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then state=open; else state=closed; fi
echo "ssh $* ($state)"
EOS
chmod +x "$work/fakebin/ssh"
out=$(PATH=$work/fakebin:$PATH "$mn" console mesh:peers); rc=$?
check "console right after start finds the SSH console listening ($out)" \
    test "$rc" = 0 -a "$out" = "ssh -p $ssh_port meshnode@127.0.0.1 mesh:peers (open)"

out=$("$mn" status); rc=$?
check "status while running: exit 0, pid and ready line ($out)" \
    test "$rc" = 0 -a -n "$(grep "pid $pid" <<<"$out" | grep 'meshnode ready')"
out=$("$mn" start); rc=$?
check "a second start says it is already running ($out)" test "$rc" = 0 -a -n "$(grep 'already running' <<<"$out")"

out=$("$mn" stop 2>&1); rc=$?
check "stop: exit 0 after a clean shutdown ($out)" test "$rc" = 0 -a -n "$(grep 'meshnode stopped' <<<"$out")"
check "the process is gone when stop returns" test ! -d "/proc/$pid"
check "the pid file is removed" test ! -f "$MESHNODE_HOME/data/meshnode.pid"
check "nothing left in the JVM's temporary folder ($(ls -A "$work/systmp" | tr '\n' ' '))" test -z "$(ls -A "$work/systmp")"
check "FileInstall's temporary folders are in data/tmp" test -d "$MESHNODE_HOME/data/tmp"
out=$("$mn" status); rc=$?
check "status after stop: not running, exit 3" test "$rc" = 3

# Class-data sharing: the first run's JVM wrote an archive when it exited; the next start maps it, quietly.
archive=$(echo "$MESHNODE_HOME"/data/cds/meshnode-*.jsa)
check "the first stop left a class-data sharing archive ($archive)" test -s "$archive"
from=$(stat -c %s "$MESHNODE_HOME/data/log/console.out")
out=$("$mn" start 2>&1); rc=$?
pid=$(cat "$MESHNODE_HOME/data/meshnode.pid" 2>/dev/null)
check "the second start maps that archive" grep -qF -- "$archive" "/proc/${pid:-0}/maps"
# stopped right after its ready line, while the launcher may still be starting the last bundles
out=$("$mn" stop 2>&1); rc=$?
run_out=$(tail -c +$((from + 1)) "$MESHNODE_HOME/data/log/console.out")
check "and stops cleanly right after the ready line ($out): no error in its output ($(grep -a -m 1 -e ERROR -e Exception <<<"$run_out"))" \
    test "$rc" = 0 -a -z "$(grep -a -e ERROR -e 'Error starting' -e Exception <<<"$run_out")"
check "without a class-data sharing message in its output" \
    test -z "$(grep -a -e '\[cds' -e '\[warning' "$MESHNODE_HOME/data/log/console.out")"

# The framework's cache (data/framework) is kept while the jar stays the same build, yet every start brings back
# exactly the bundles the jar ships: a bundle installed or updated at the console lasts one run; a rebuilt jar
# starts from an empty cache (docs/operations.md, "Bundles installed at the console").
fw=$MESHNODE_HOME/data/framework
cached() { ls -i "$fw" | grep ' bundle[0-9]*$' | sort -k2; } # each cached bundle's folder and its inode
before=$(cached)
mkdir -p -m 700 "$MESHNODE_HOME/etc/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$work/key"
install -m 600 "$work/key.pub" "$MESHNODE_HOME/etc/ssh/authorized_keys"
printf 'port = %s\n' "$ssh_port" >"$MESHNODE_HOME/etc/meshnode.ssh.cfg"
gogo() { # one console command over SSH, once the console accepts
    until_true 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$ssh_port" 2>/dev/null
    ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        -i "$work/key" -p "$ssh_port" meshnode@127.0.0.1 "$@" </dev/null
}
bundle_id() { gogo lb -s "$1" | awk -F'|' -v bsn="$1" 'index($4, bsn " (") { gsub(/ /, "", $1); print $1 }'; }
# a bundle of our own (no code), and health.phi as rebuilt with one more manifest header
printf 'Bundle-ManifestVersion: 2\nBundle-SymbolicName: dist.test.hand\nBundle-Version: 1.0.0\n' >"$work/hand.mf"
jar --create --file "$work/hand.jar" --manifest "$work/hand.mf"
phi=$(unzip -Z1 "$dist/lib/meshnode.jar" 'jar/health.phi-*.jar')
mkdir -p "$work/rebuilt/jar"
unzip -p "$dist/lib/meshnode.jar" "$phi" >"$work/rebuilt/$phi"
printf 'Meshnode-Dist-Test: rebuilt\n' >"$work/rebuilt.mf"
jar --update --file "$work/rebuilt/$phi" --manifest "$work/rebuilt.mf" 2>/dev/null

out=$("$mn" start 2>&1); rc=$?
check "a start of the same build: exit 0 with the ready line" test "$rc" = 0 -a -n "$(grep 'meshnode ready' <<<"$out")"
check "and it reuses the framework's cache: no bundle installed again" test -n "$before" -a "$(cached)" = "$before"
out=$(gogo install "file:$work/hand.jar" 2>&1)
check "a bundle installed at the console ($out)" test -n "$(bundle_id dist.test.hand)"
id=$(bundle_id health.phi)
out=$(gogo update "$id" "file:$work/rebuilt/$phi" 2>&1)
check "a built-in bundle updated at the console ($out)" test -n "$(gogo headers "$id" | grep 'Meshnode-Dist-Test')"
"$mn" stop >/dev/null
out=$("$mn" start 2>&1); rc=$?
check "the next start of the same build: exit 0 with the ready line" test "$rc" = 0 -a -n "$(grep 'meshnode ready' <<<"$out")"
check "has only the bundles the jar ships: the installed one is gone" test -z "$(bundle_id dist.test.hand)"
id=$(bundle_id health.phi)
check "and the updated one is the jar's again" test -n "$id" -a -z "$(gogo headers "$id" | grep 'Meshnode-Dist-Test')"
"$mn" stop >/dev/null
# a new build: health.phi rebuilt inside lib/meshnode.jar, its digest in the manifest with it
digest=$(printf "$(sha256sum <"$work/rebuilt/$phi" | cut -c1-64 | sed 's/../\\x&/g')" | base64)
printf 'Manifest-Version: 1.0\n\nName: %s\nSHA-256-Digest: %s\n' "$phi" "$digest" >"$work/outer.mf"
build=$(cat "$fw/meshnode.build")
jar --update --file "$dist/lib/meshnode.jar" --manifest "$work/outer.mf" -C "$work/rebuilt" "$phi" 2>/dev/null
out=$("$mn" start 2>&1); rc=$?
check "a start of a rebuilt jar: exit 0 with the ready line" test "$rc" = 0 -a -n "$(grep 'meshnode ready' <<<"$out")"
check "starts from an empty cache ($build, now $(cat "$fw/meshnode.build"))" test "$(cat "$fw/meshnode.build")" != "$build"
id=$(bundle_id health.phi)
check "and runs the rebuilt bundle" test -n "$id" -a -n "$(gogo headers "$id" | grep 'Meshnode-Dist-Test = rebuilt')"
out=$("$mn" stop 2>&1); rc=$?
check "and stops cleanly ($out)" test "$rc" = 0
out=$("$mn" bogus 2>&1); rc=$?
check "an unknown command prints the usage, exit 2" test "$rc" = 2 -a -n "$(grep usage <<<"$out")"

# A newer Java than the build's 17: the node runs on the newest JDK of this machine (Java 23 or later; Temurin 25, the
# current LTS, here): started with JAVA_HOME, it prints nothing but its ready line (Felix's use of sun.misc.Unsafe and
# Netty's native library are allowed, by bin/meshnode's flag and the jar's manifest), makes a class-data sharing
# archive of its own beside the Java 17 one's place and maps it at the next start. MESHNODE_TEST_JAVA_HOME names that
# JDK; "none" leaves this part out, and the count of checks says so.
jdk=${MESHNODE_TEST_JAVA_HOME:-$(newest_jdk 23 999)}
if [[ $jdk == none ]]; then
    echo "dist-test: not run: the start on a newer JDK (MESHNODE_TEST_JAVA_HOME=none)"
else
    check "a JDK with Java 23 or later is installed (${jdk:-none found under /usr/lib/jvm})" test -x "$jdk/bin/java"
    for round in first second; do
        from=$(stat -c %s "$MESHNODE_HOME/data/log/console.out")
        out=$(JAVA_HOME=$jdk "$mn" start 2>&1); rc=$?
        pid=$(cat "$MESHNODE_HOME/data/meshnode.pid" 2>/dev/null)
        check "$round start on $jdk: exit 0 with the ready line" test "$rc" = 0 -a -n "$(grep 'meshnode ready' <<<"$out")"
        check "and the JVM is that JDK's ($(readlink "/proc/${pid:-0}/exe"))" \
            test "$(readlink -f "/proc/${pid:-0}/exe")" = "$(readlink -f "$jdk/bin/java")"
        [[ $round == second ]] && check "and maps the archive its first run wrote ($(ls "$MESHNODE_HOME"/data/cds))" \
            grep -q "/data/cds/meshnode-.*-$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"$/\1/p' "$jdk/release").jsa" "/proc/${pid:-0}/maps"
        out=$(JAVA_HOME=$jdk "$mn" stop 2>&1); rc=$?
        run_out=$(tail -c +$((from + 1)) "$MESHNODE_HOME/data/log/console.out")
        check "and stops cleanly ($out), having printed only its ready line and its last ($(grep -a -v -m 1 -e '^meshnode ready: ' -e '^meshnode stopped' <<<"$run_out"))" \
            test "$rc" = 0 -a -z "$(grep -a -v -e '^meshnode ready: ' -e '^meshnode stopped' <<<"$run_out")"
    done
fi

# console runs ssh with the host and port of etc/meshnode.ssh.cfg (a stand-in ssh prints its arguments)
printf '#!/bin/sh\necho "ssh $*"\n' >"$work/fakebin/ssh"
rm "$MESHNODE_HOME/etc/meshnode.ssh.cfg"
out=$(PATH=$work/fakebin:$PATH "$mn" console); rc=$?
check "console without etc/meshnode.ssh.cfg: ssh -p 7801 meshnode@127.0.0.1 ($out)" \
    test "$rc" = 0 -a "$out" = "ssh -p 7801 meshnode@127.0.0.1"
printf '# the SSH console\nhost = 127.0.0.5\n  port=17801\n#port = 1\n' >"$MESHNODE_HOME/etc/meshnode.ssh.cfg"
out=$(PATH=$work/fakebin:$PATH "$mn" console); rc=$?
check "console reads host and port from etc/meshnode.ssh.cfg ($out)" \
    test "$rc" = 0 -a "$out" = "ssh -p 17801 meshnode@127.0.0.5"
# without host, the console follows the mesh's listen host when it is a loopback address (as shell.ssh does)
printf 'port = 17801\n' >"$MESHNODE_HOME/etc/meshnode.ssh.cfg"
printf 'listen = 127.0.77.7:7800\n' >"$MESHNODE_HOME/etc/meshnode.mesh.cfg"
out=$(PATH=$work/fakebin:$PATH "$mn" console); rc=$?
check "console without host follows a loopback listen ($out)" \
    test "$rc" = 0 -a "$out" = "ssh -p 17801 meshnode@127.0.77.7"
printf 'listen = 10.1.2.3:7800\n' >"$MESHNODE_HOME/etc/meshnode.mesh.cfg"
out=$(PATH=$work/fakebin:$PATH "$mn" console); rc=$?
check "console without host stays on 127.0.0.1 for a non-loopback listen ($out)" \
    test "$rc" = 0 -a "$out" = "ssh -p 17801 meshnode@127.0.0.1"

# JPMS: the jars inside lib/meshnode.jar as a module graph (README, "JPMS"): no module missing, no package in two
# modules, resolution with all of them as roots, a layer with one class loader per module (as Apache Felix Atomos
# defines them) and one with a single loader (as the boot layer of `java --module-path` and a jlink image do).
mkdir -p "$work/modules"
(cd "$work/modules" && unzip -q -j "$dist/lib/meshnode.jar" 'jar/*.jar')
graph=$(java "$here/../java-script/ModuleGraph.java" "$work/modules" 2>&1); rc=$?
echo "$graph"
check "the distribution's jars: no JPMS module missing, no split package, they resolve (all as roots)" \
    test -z "$(grep -e '^missing:' -e '^split:' <<<"$graph")" -a -n "$(grep '^resolve: ok' <<<"$graph")"
check "and form a module layer with one class loader per module and one with a single loader" test "$rc" = 0
boot=$(java --module-path "$work/modules" --add-modules ALL-MODULE-PATH -version 2>&1); rc=$?
check "java --module-path <the jars> --add-modules ALL-MODULE-PATH -version runs ($(tail -n 1 <<<"$boot"))" test "$rc" = 0

echo "dist-test: $passed passed, $failed failed"
((failed == 0))
