#!/usr/bin/env bash
# What the SSH console costs a node at start: time to the ready line, CPU time of the JVM 2 s after it, and
# resident memory, with etc/meshnode.ssh.cfg enabled = true and enabled = false.
# Usage: bench/console-startup.sh [runs]   (needs node/target/meshnode.jar)
set -euo pipefail
cd "$(dirname "$0")/.."
jar=node/target/meshnode.jar
runs=${1:-3}
[ -f "$jar" ] || { echo "missing $jar: build first (mvn -B -o verify -pl node -am -DskipTests)" >&2; exit 1; }
port=$((30000 + RANDOM % 20000))
tick=$(getconf CLK_TCK)
for enabled in true false; do
  for i in $(seq 1 "$runs"); do
    home=$(mktemp -d)
    mkdir -p "$home/etc"
    echo "listen = 127.0.0.$((i + 1)):$port" > "$home/etc/meshnode.mesh.cfg"
    printf 'enabled = %s\nhost = 127.0.0.%s\nport = %s\n' "$enabled" "$((i + 1))" "$((port + 1))" > "$home/etc/meshnode.ssh.cfg"
    fifo="$home/out"; mkfifo "$fifo"
    start=$(date +%s%N)
    java -Dmeshnode.console=false -jar "$jar" --home "$home" < /dev/null > "$fifo" 2>"$home/err" &
    pid=$!
    while IFS= read -r line; do
      case "$line" in "meshnode ready:"*) break ;; esac
    done < "$fifo"
    ready=$(date +%s%N)
    sleep 2
    read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
    rss=$(ps -o rss= -p "$pid")
    echo "ssh console enabled=$enabled run $i: ready after $(( (ready - start) / 1000000 )) ms;" \
      "CPU $(( (utime + stime) * 1000 / tick )) ms; RSS $((rss / 1024)) MB"
    kill -TERM "$pid"; wait "$pid" || true
    rm -rf "$home"
  done
done
