#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft) for local runs and tests, assembled
# from Maven Central jars (deploy/kafka/pom.xml). Every command is safe to call twice.
#
#   scripts/kafka-local.sh install   # fetch the jars once (cached)
#   scripts/kafka-local.sh start     # format storage if needed, start, wait until ready
#   scripts/kafka-local.sh stop      # stop the broker started from this data directory
#   scripts/kafka-local.sh status    # exit 0 when it is running and answering
#
# Environment: LIVEFEST_DATA_DIR (default .livefest) holds the broker's data, pid and log;
# LIVEFEST_KAFKA_PORT (default 9092) and LIVEFEST_KAFKA_CONTROLLER_PORT (default 9093);
# LIVEFEST_KAFKA_JARS (default ~/.cache/livefest/kafka-<version>) caches the jars.
set -euo pipefail
# The broker's data, log and pid file are livefest's alone (0700/0600), as everything else
# under LIVEFEST_DATA_DIR (kernel/private_files.py); the broker inherits this umask.
umask 077

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pom="$here/deploy/kafka/pom.xml"
version="$(sed -n 's:.*<version>\(3[^<]*\)</version>.*:\1:p' "$pom" | head -n1)"
jars="${LIVEFEST_KAFKA_JARS:-$HOME/.cache/livefest/kafka-$version}"
data_dir="${LIVEFEST_DATA_DIR:-.livefest}"
mkdir -p "$data_dir"
data="$(cd "$data_dir" && pwd)/kafka"
port="${LIVEFEST_KAFKA_PORT:-9092}"
controller_port="${LIVEFEST_KAFKA_CONTROLLER_PORT:-9093}"
pidfile="$data/broker.pid"
log="$data/broker.log"

say() { echo "kafka-local: $*" >&2; }

install_jars() {
  if [ -f "$jars/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || { say "Maven (mvn) is needed to fetch the Kafka jars: apt-get install maven"; exit 1; }
  command -v java >/dev/null || { say "a Java runtime (17+) is needed: apt-get install openjdk-17-jre-headless"; exit 1; }
  say "fetching Apache Kafka $version jars from Maven Central into $jars"
  rm -rf "$jars.tmp" && mkdir -p "$jars.tmp"
  mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$jars.tmp/lib"
  touch "$jars.tmp/.complete"
  rm -rf "$jars" && mv "$jars.tmp" "$jars"
}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

answering() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

start() {
  install_jars
  if running; then say "already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"; return 0; fi
  if answering; then say "something else already listens on 127.0.0.1:$port; using it"; return 0; fi
  mkdir -p "$data"
  sed -e "s:@DATA@:$data:g" -e "s:@PORT@:$port:g" -e "s:@CONTROLLER_PORT@:$controller_port:g" \
      "$here/deploy/kafka/server.properties.in" > "$data/server.properties"
  if [ ! -f "$data/logs/meta.properties" ]; then
    cluster_id="$(java -cp "$jars/lib/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
    java -cp "$jars/lib/*" kafka.tools.StorageTool format -g -t "$cluster_id" \
         -c "$data/server.properties" >>"$log" 2>&1
  fi
  say "starting broker on 127.0.0.1:$port (log: $log)"
  # setsid: the broker must outlive the shell that started it (make targets, CI steps).
  KAFKA_HEAP_OPTS= setsid nohup java -Xms128m -Xmx768m -XX:+UseSerialGC \
      -cp "$jars/lib/*" kafka.Kafka "$data/server.properties" >>"$log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if grep -q "Kafka Server started" "$log" 2>/dev/null && answering; then
      say "ready"; return 0
    fi
    if ! running; then say "the broker exited; last lines of $log:"; tail -n 30 "$log" >&2; exit 1; fi
    sleep 0.5
  done
  say "not ready after 60 s; see $log"; exit 1
}

stop() {
  if ! running; then say "not running"; rm -f "$pidfile"; return 0; fi
  local pid; pid="$(cat "$pidfile")"
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && { say "still alive after 30 s, killing"; kill -9 "$pid"; }
  rm -f "$pidfile"; say "stopped"
}

status() {
  if running && answering; then say "running (pid $(cat "$pidfile")) on 127.0.0.1:$port"; return 0; fi
  say "not running"; return 1
}

case "${1:-}" in
  install) install_jars ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
