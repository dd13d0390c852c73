#!/usr/bin/env bash
# Time from `java -jar` to the ready line, and resident memory of the idle node 10 s later.
# Usage: bench/startup.sh [runs]   (needs node/target/meshnode.jar: ./meshnode builds it, or mvn -B install -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/.."
jar=node/target/meshnode.jar
runs=${1:-5}
[ -f "$jar" ] || { echo "missing $jar: build first (mvn -B -DskipTests install)" >&2; exit 1; }
port=$((30000 + RANDOM % 20000))
for i in $(seq 1 "$runs"); do
  home=$(mktemp -d)
  mkdir -p "$home/etc"
  echo "listen = 127.0.0.1:$port" > "$home/etc/meshnode.mesh.cfg"
  fifo="$home/out"; mkfifo "$fifo"
  start=$(date +%s%N)
  java -Dmeshnode.console=false -jar "$jar" --home "$home" < /dev/null > "$fifo" 2>"$home/err" &
  pid=$!
  while IFS= read -r line; do
    case "$line" in "meshnode ready:"*) break ;; esac
  done < "$fifo"
  ready=$(date +%s%N)
  ms=$(( (ready - start) / 1000000 ))
  if [ "$i" = "$runs" ]; then
    sleep 10
    rss=$(ps -o rss= -p "$pid")
    echo "run $i: ready after ${ms} ms; RSS after 10 s idle: $((rss / 1024)) MB"
  else
    echo "run $i: ready after ${ms} ms"
  fi
  kill -TERM "$pid"; wait "$pid" || true
  rm -rf "$home"
done
