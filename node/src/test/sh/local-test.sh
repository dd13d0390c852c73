#!/usr/bin/env bash
# ./meshnode --local 3 as an operator runs it: three nodes on 127.0.0.2-4 with pinned ids, the console of the first
# attached (a pseudo-terminal from script(1)), links between all of them, and leaving the console stops all three.
# Run by the build (node, integration-test phase); prints "local-test: N passed, N failed" and fails on any failure.
# Argument: the built jar (target/meshnode.jar); the repository's ./meshnode runs it (MESHNODE_JAR).
set -uo pipefail
jar=$(cd "$(dirname "${1:?usage: local-test.sh <meshnode.jar>}")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/meshnode-local-test.XXXXXX")
passed=0 failed=0
export MESHNODE_JAR=$jar MESHNODE_LOCAL_PORT=$((20000 + RANDOM % 20000)) JAVA_OPTS="-Xmx64m"
port=$MESHNODE_LOCAL_PORT

check_name=local-test
# check, until_true
source "$(dirname "${BASH_SOURCE[0]}")/../../../../cnf/sh/checks.sh"

listening() { (exec 3<>"/dev/tcp/$1/$port") 2>/dev/null; }
none_listening() { ! listening 127.0.0.2 && ! listening 127.0.0.3 && ! listening 127.0.0.4; }
screen_has() { grep -qa -- "$1" "$work/screen"; }
# a peer row of mesh:peers: ID  ADDRESS  ROLE  STATE …
connected() { grep -qaE "[0-9a-f]{12} +$1:$port +[a-z]+ +CONNECTED" "$work/screen"; }
both_connected() { connected 127.0.0.3 && connected 127.0.0.4; }

cd "$work"
mkfifo keys
# script gives ./meshnode a terminal; without a size JLine would draw on a width-0 screen.
script -qfec "stty cols 160 rows 50; exec $root/meshnode --local 3" /dev/null <keys >screen 2>&1 &
console=$!
exec 3>keys
# a console that died must fail the checks below, not kill this script with SIGPIPE
trap "" PIPE

cleanup() {
    exec 3>&-
    kill "$console" 2>/dev/null
    local pid
    for pid in $(pgrep -f -- "--home local/n[1-3]" 2>/dev/null); do
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$jar" && kill -9 "$pid"
    done
    rm -rf "$work"
}
trap cleanup EXIT

check "n1's ready line on the console, on 127.0.0.2" until_true 60 screen_has "meshnode ready: node .* listening on 127.0.0.2:$port"
check "n2 and n3 run headless on 127.0.0.3 and 127.0.0.4" \
    until_true 30 grep -qa "listening on 127.0.0.3:$port" local/n2.out
check "n3 ready" until_true 30 grep -qa "listening on 127.0.0.4:$port" local/n3.out
id2=$(sed -n 's/^node //p' < <(java -jar "$jar" --home local/n2 --id))
check "n1 pins n2's id in its peers" grep -q "peers = .*$id2@127.0.0.3:$port" local/n1/etc/meshnode.mesh.cfg
check "the ready line of n2 shows the id --local pinned" grep -qa "meshnode ready: node $id2 " local/n2.out

# the console is n1's: both links come up (pinned ids admitted, admit = peers)
for _ in $(seq 1 40); do
    printf 'mesh:peers --state CONNECTED\r' >&3
    sleep 1
    both_connected && break
done
check "n1's console shows both peers CONNECTED" both_connected

printf 'exit\r' >&3
check "leaving the console ends ./meshnode --local" until_true 40 bash -c "! kill -0 $console 2>/dev/null"
check "it says the local mesh is stopped" screen_has "the local mesh is stopped"
check "n2 and n3 stopped cleanly (SIGTERM: goodbyes, 'meshnode stopped')" \
    bash -c "grep -qa '^meshnode stopped' local/n2.out && grep -qa '^meshnode stopped' local/n3.out"
check "nothing listens on 127.0.0.2-4 any more" until_true 10 none_listening

if ((failed > 0)); then
    echo "--- console:"; tail -n 40 screen | cat -v
    echo "--- n2:"; tail -n 20 local/n2.out
fi
echo "local-test: $passed passed, $failed failed"
((failed == 0))
