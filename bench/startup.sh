#!/usr/bin/env bash
# Start-up and footprint of Meshnode beside Apache Karaf 4.4.8 minimal, measured in the same run.
#
# Usage: bench/startup.sh [rounds]        (default 3 rounds)
#
# Per round, in this order:
#   meshnode headless  `./meshnode --home H </dev/null`: time to the ready line, RSS 10 s later
#   meshnode console   `./meshnode --home H` on a pseudo-terminal (160x50): time to the ready line and to the Gogo
#                      prompt ("g! "), RSS 10 s after the prompt
#   karaf console      `bin/karaf` on a pseudo-terminal: time to the prompt ("karaf@root()>", matched as "@root()>" after the colour codes), RSS 10 s later
# Every figure comes with the CPU time (user + system) the process had used when its marker appeared, which the load
# of other processes on the machine changes far less than the wall-clock time, and with the 1-minute load average.
# H is a node home made once (listen on a free loopback port) and started once unmeasured, so that every measured
# start finds an existing home, like Karaf's data/ after its first start (also unmeasured).
#
# Environment:
#   MESHNODE_CMD    how to start the node (default: ./meshnode, i.e. the flags it applies by default; JAVA_OPTS is
#                   passed on to it). Example: MESHNODE_CMD="java -jar node/target/meshnode.jar"
#   BENCH_KARAF=0   leave Karaf out.
#   BENCH_IDLE      seconds to wait before reading RSS (default 10).
#   BENCH_SMOKE=1   the build's check that this benchmark keeps working (karaf/pom.xml, after the Karaf test): every
#                   start must reach its marker, else the script fails naming it; the figures are no measurement.
# Karaf 4.4.8 starts only on Java 17 to 23 (karaf-test.sh says why): when the java on the PATH (or JAVA_HOME's) is 24
# or later, Karaf gets the newest JDK 17-23 under /usr/lib/jvm, and the script fails when there is none.
# Karaf comes from Maven Central (sha1-checked, as karaf/pom.xml gets it for its test), or from the local Maven
# repository when it is already there, and is cached under bench/target/. Needs python3 (bench/measure.py).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=../cnf/sh/checks.sh
. "$root/cnf/sh/checks.sh" # jdk_feature, newest_jdk
rounds=${1:-3}
idle=${BENCH_IDLE:-10}
karaf_version=4.4.8
target=$root/bench/target
mkdir -p "$target"
read -r -a meshnode_cmd <<<"${MESHNODE_CMD:-$root/meshnode}"

free_port() { # a port nothing listens on now (other builds run beside this one)
    local p
    while :; do
        p=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}

karaf_dist() { # unpacks a fresh Karaf into $1
    local tgz=$target/apache-karaf-minimal-$karaf_version.tar.gz
    local rel=org/apache/karaf/apache-karaf-minimal/$karaf_version/apache-karaf-minimal-$karaf_version.tar.gz
    if [[ ! -f $tgz ]]; then
        if [[ -f $HOME/.m2/repository/$rel ]]; then
            cp "$HOME/.m2/repository/$rel" "$tgz.part"
        else
            echo "startup.sh: downloading $rel from Maven Central" >&2
            curl -fsSL -o "$tgz.part" "https://repo1.maven.org/maven2/$rel"
        fi
        local want
        want=$(curl -fsSL "https://repo1.maven.org/maven2/$rel.sha1" 2>/dev/null || cat "$HOME/.m2/repository/$rel.sha1")
        [[ $(sha1sum <"$tgz.part" | cut -d' ' -f1) == "${want%% *}" ]] || { echo "startup.sh: sha1 mismatch for $rel" >&2; exit 1; }
        mv "$tgz.part" "$tgz"
    fi
    rm -rf "$1"
    mkdir -p "$1"
    tar xzf "$tgz" -C "$1" --strip-components=1
    # Free ports, so that a Karaf test or another benchmark running beside this one does not collide.
    sed -i "s/^sshPort *=.*/sshPort = $(free_port)/; s/^sshHost *=.*/sshHost = 127.0.0.1/" "$1/etc/org.apache.karaf.shell.cfg"
    # (The minimal distribution has no JMX/RMI management, so no other port to move.)
}

measure() { # measure LOGFILE measure.py-arguments...: one start, its result line (exit status ignored: "-" fields)
    local log=$1
    shift
    MEASURE_LOG=$log python3 "$root/bench/measure.py" --idle "$idle" "$@" || true
}

node_home=$target/startup-home
rm -rf "$node_home"
mkdir -p "$node_home/etc"
echo "listen = 127.0.0.1:$(free_port)" >"$node_home/etc/meshnode.mesh.cfg"
echo "enabled = true" >"$node_home/etc/meshnode.ssh.cfg"
printf 'host = 127.0.0.1\nport = %s\n' "$(free_port)" >>"$node_home/etc/meshnode.ssh.cfg"
echo "port = $(free_port)" >"$node_home/etc/meshnode.metrics.cfg"
ready='meshnode ready: node [0-9a-f]+ listening on'

echo "startup.sh: $(nproc) cores, $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -n 1), meshnode: ${meshnode_cmd[*]} (JAVA_OPTS=${JAVA_OPTS:-})"
echo "startup.sh: first start of the node home (not measured; builds the jar when ./meshnode finds it stale)"
measure "$target/startup-first.log" --idle 0 --timeout 600 --ready "$ready" -- "${meshnode_cmd[@]}" --home "$node_home" >/dev/null
if [[ ${BENCH_KARAF:-1} != 0 ]]; then
    java_bin=$(readlink -f "$(command -v "${JAVA_HOME:+$JAVA_HOME/bin/}java")")
    karaf_java=
    if (($(jdk_feature "${java_bin%/bin/java}") >= 24)); then
        karaf_java=$(newest_jdk 17 23)
        [[ -n $karaf_java ]] || { echo "startup.sh: Karaf $karaf_version needs Java 17-23; none under /usr/lib/jvm" >&2; exit 1; }
        echo "startup.sh: Karaf runs on $karaf_java (Karaf $karaf_version does not start on Java 24 or later)"
    fi
    karaf=$target/karaf-$karaf_version
    karaf_dist "$karaf"
    echo "startup.sh: first start of Karaf $karaf_version minimal (not measured)"
    KARAF_EXEC=exec JAVA_HOME=${karaf_java:-${JAVA_HOME:-}} measure "$target/karaf-first.log" --idle 0 --tty \
        --prompt '@root()>' -- "$karaf/bin/karaf" >/dev/null
fi

results=$target/startup-results.txt
: >"$results"
for i in $(seq 1 "$rounds"); do
    r=$(measure "$target/startup-headless-$i.log" --ready "$ready" -- "${meshnode_cmd[@]}" --home "$node_home")
    echo "meshnode headless round $i: $r" | tee -a "$results"
    r=$(measure "$target/startup-console-$i.log" --tty --ready "$ready" --prompt 'g! ' -- "${meshnode_cmd[@]}" --home "$node_home")
    echo "meshnode console  round $i: $r" | tee -a "$results"
    if [[ ${BENCH_KARAF:-1} != 0 ]]; then
        r=$(KARAF_EXEC=exec JAVA_HOME=${karaf_java:-${JAVA_HOME:-}} measure "$target/startup-karaf-$i.log" --tty \
            --prompt '@root()>' -- "$karaf/bin/karaf")
        echo "karaf    console  round $i: $r" | tee -a "$results"
    fi
done

# Summary: min-max of each figure over the rounds.
echo "summary ($rounds rounds; wall ms, CPU ms at the marker, RSS MB ${idle} s later, load average):"
for what in "meshnode headless" "meshnode console " "karaf    console "; do
    { grep -F "$what" "$results" || true; } | awk -v what="$what" '
        function upd(k, v) { if (v == "-") return; if (!(k in mn) || v + 0 < mn[k]) mn[k] = v + 0; if (!(k in mx) || v + 0 > mx[k]) mx[k] = v + 0 }
        { for (f = 1; f <= NF; f++) if (split($f, kv, "=") == 2) upd(kv[1], kv[2]); n++ }
        END {
            if (!n) exit
            line = "  " what ":"
            split("ready_ms prompt_ms cpu_ms rss_mb load", keys, " ")
            for (j = 1; j <= 5; j++) { k = keys[j]; if (k in mn) line = line sprintf(" %s %s-%s", k, mn[k], mx[k]) }
            print line
        }'
done

if [[ ${BENCH_SMOKE:-0} == 1 ]]; then
    # Every start reached what it was started for (measure.py writes "-" for a marker it did not see).
    missing=$(grep -E '^meshnode headless.*ready_ms=-|^meshnode console .*prompt_ms=-|^karaf    console .*prompt_ms=-' "$results" || true)
    if [[ -n $missing ]]; then
        echo "startup.sh: smoke run FAILED, a start did not reach its marker (logs in $target):" >&2
        echo "$missing" >&2
        exit 1
    fi
    echo "startup.sh: smoke run passed: every start reached its marker (smoke, not a measurement)"
fi
