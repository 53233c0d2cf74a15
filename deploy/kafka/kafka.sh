#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, broker+controller in one JVM) for tests and local
# service mode, run straight from Maven Central jars: no Docker, no tarball, loopback only.
#
#   kafka.sh fetch            download the broker jars into the cache (idempotent)
#   kafka.sh start [--fresh]  fetch, format storage if needed, start, wait until ready,
#                             print the bootstrap address on stdout (--fresh wipes data first)
#   kafka.sh stop             SIGTERM, wait up to KAFKA_STOP_TIMEOUT s, then SIGKILL
#   kafka.sh kill             SIGKILL at once (to test crash recovery)
#   kafka.sh status           exit 0 and print the bootstrap address if running, else exit 3
#   kafka.sh tools [<tool> [args...]]
#                             fetch Kafka's command-line tools (kafka-tools jars); with a tool
#                             name, run it: kafka-topics, kafka-console-consumer,
#                             kafka-console-producer, kafka-consumer-groups, kafka-get-offsets
#
# Environment (defaults in brackets):
#   KAFKA_VERSION [see below]         KAFKA_CACHE_DIR [<root>/.cache/kafka]
#   KAFKA_RUN_DIR [<root>/.cache/kafka-run]
#   KAFKA_PORT [19092]                KAFKA_CONTROLLER_PORT [19093]
#   KAFKA_NUM_PARTITIONS [3]          KAFKA_HEAP_OPTS [-Xms128m -Xmx512m]
#   KAFKA_START_TIMEOUT [60]          KAFKA_STOP_TIMEOUT [30]
# Messages go to stderr; stdout carries only the bootstrap address, for scripts.
set -euo pipefail

# The newest Kafka on Maven Central when chosen; kafkajs 2.2.4 works with it despite KIP-896's
# protocol removals (evidence in README.md). 3.9.x works too, as a fallback.
KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE_DIR="${KAFKA_CACHE_DIR:-$ROOT_DIR/.cache/kafka}"
RUN_DIR="${KAFKA_RUN_DIR:-$ROOT_DIR/.cache/kafka-run}"
PORT="${KAFKA_PORT:-19092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
NUM_PARTITIONS="${KAFKA_NUM_PARTITIONS:-3}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

LIBS_DIR="$CACHE_DIR/$KAFKA_VERSION/libs"
TOOLS_DIR="$CACHE_DIR/$KAFKA_VERSION/tools"
CLASSES_DIR="$CACHE_DIR/$KAFKA_VERSION/classes"
DATA_DIR="$RUN_DIR/data"
LOG_DIR="$RUN_DIR/logs"
PID_FILE="$RUN_DIR/kafka.pid"
BOOTSTRAP="127.0.0.1:$PORT"

log() { echo "kafka.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# The stamp ties the cache to the version and to the files that built it.
fetch_stamp() { echo "$KAFKA_VERSION $(cat "$SCRIPT_DIR/pom.xml" "$SCRIPT_DIR/AwaitBroker.java" | sha256sum | cut -d' ' -f1)"; }

cmd_fetch() {
  local stamp_file="$CACHE_DIR/$KAFKA_VERSION/.fetched"
  if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$(fetch_stamp)" ]]; then
    return 0
  fi
  mkdir -p "$CACHE_DIR/$KAFKA_VERSION"
  # Parallel test files may fetch at once: one runs mvn, the others wait and reuse it.
  exec 9>"$CACHE_DIR/.fetch.lock"
  flock 9
  if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$(fetch_stamp)" ]]; then
    exec 9>&-
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (needed once to fetch Kafka $KAFKA_VERSION)"
  log "fetching Kafka $KAFKA_VERSION jars into $LIBS_DIR"
  local tmp
  tmp="$(mktemp -d "$CACHE_DIR/$KAFKA_VERSION/.libs.XXXXXX")"
  # Maven prints its errors on stdout, which is reserved for the bootstrap address.
  if ! mvn -q -B -f "$SCRIPT_DIR/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies -DoutputDirectory="$tmp" >"$tmp.log" 2>&1; then
    cat "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    die "mvn could not fetch Kafka $KAFKA_VERSION"
  fi
  rm -f "$tmp.log"
  rm -rf "$LIBS_DIR" "$CLASSES_DIR"
  mv "$tmp" "$LIBS_DIR"
  # Compiled once here rather than on every start (java's source mode costs a second or two).
  javac -nowarn -cp "$LIBS_DIR/*" -d "$CLASSES_DIR" "$SCRIPT_DIR/AwaitBroker.java" >&2 \
    || die "could not compile AwaitBroker.java"
  fetch_stamp >"$stamp_file"
  exec 9>&-
}

# The pid in the pid file, if that process is alive and really is our broker
# (a stale pid file may name a reused pid).
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$RUN_DIR/server.properties" || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_configs() {
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  cat >"$RUN_DIR/server.properties" <<EOF
# Written by deploy/kafka/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA_DIR

# One node: every internal topic has a single replica.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1

auto.create.topics.enable=true
num.partitions=$NUM_PARTITIONS
# Tests join consumer groups constantly; do not wait 3 s for more members.
group.initial.rebalance.delay.ms=0
# After a crash the restarted broker cannot register until its old session expires
# (default 9 s); a shorter session makes kill-and-restart tests quicker.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000

# Sized for a 2-core machine and small disks.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.segment.bytes=16777216
log.retention.hours=24
log.retention.check.interval.ms=60000
EOF
  cat >"$RUN_DIR/log4j2.properties" <<EOF
# Broker log, rolled so a long-running local broker does not fill the disk.
appender.file.type=RollingFile
appender.file.name=file
appender.file.fileName=$LOG_DIR/server.log
appender.file.filePattern=$LOG_DIR/server.log.%i
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
appender.file.policies.type=Policies
appender.file.policies.size.type=SizeBasedTriggeringPolicy
appender.file.policies.size.size=10MB
appender.file.strategy.type=DefaultRolloverStrategy
appender.file.strategy.max=3
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
# Per-request and state-change chatter is noise at INFO.
logger.request.name=kafka.request.logger
logger.request.level=WARN
logger.statechange.name=state.change.logger
logger.statechange.level=WARN
EOF
}

format_storage() {
  [[ -f "$DATA_DIR/meta.properties" ]] && return 0
  # A cluster id is a base64url UUID; one starting with '-' would read as a CLI option.
  local cluster_id
  cluster_id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)"
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)"
  done
  log "formatting $DATA_DIR (cluster $cluster_id)"
  java -Dlog4j2.configurationFile="$RUN_DIR/log4j2.properties" -cp "$LIBS_DIR/*" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$RUN_DIR/server.properties" \
    >"$LOG_DIR/format.log" 2>&1 || { cat "$LOG_DIR/format.log" >&2; die "storage format failed"; }
}

cmd_start() {
  local fresh=0 pid
  [[ "${1:-}" == "--fresh" ]] && fresh=1
  if pid="$(running_pid)"; then
    log "already running (pid $pid)"
    echo "$BOOTSTRAP"
    return 0
  fi
  port_open "$PORT" && die "port $PORT is already in use by another process"
  port_open "$CONTROLLER_PORT" && die "port $CONTROLLER_PORT is already in use by another process"
  cmd_fetch
  (( fresh )) && rm -rf "$DATA_DIR" "$LOG_DIR"
  write_configs
  format_storage

  # setsid: the broker outlives the caller and ignores the caller's Ctrl-C.
  setsid java -server $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$RUN_DIR/log4j2.properties" \
    -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$LIBS_DIR/*" kafka.Kafka "$RUN_DIR/server.properties" \
    </dev/null >"$LOG_DIR/stdout.log" 2>&1 &
  pid=$!
  echo "$pid" >"$PID_FILE"
  log "started Kafka $KAFKA_VERSION (pid $pid), log: $LOG_DIR/server.log"

  local deadline=$((SECONDS + START_TIMEOUT))
  until port_open "$PORT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$LOG_DIR/server.log" "$LOG_DIR/stdout.log" >&2 2>/dev/null || true
      rm -f "$PID_FILE"
      die "broker exited during startup"
    fi
    (( SECONDS < deadline )) || { cmd_stop; die "port $PORT not open after ${START_TIMEOUT}s"; }
    sleep 0.2
  done
  local left=$((deadline - SECONDS))
  (( left > 5 )) || left=5
  # A listening port is not enough: wait for a metadata answer that lists the broker.
  if ! java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j2.level=OFF \
      -cp "$CLASSES_DIR:$LIBS_DIR/*" AwaitBroker "$BOOTSTRAP" "$left"; then
    tail -n 30 "$LOG_DIR/server.log" >&2 || true
    cmd_stop
    die "broker not ready after ${START_TIMEOUT}s"
  fi
  log "ready at $BOOTSTRAP"
  echo "$BOOTSTRAP"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "no exit after ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  log "stopped (pid $pid)"
}

cmd_kill() {
  local pid
  if pid="$(running_pid)"; then
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    log "killed (pid $pid)"
  fi
  rm -f "$PID_FILE"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    log "running (pid $pid, Kafka $KAFKA_VERSION, run dir $RUN_DIR)"
    echo "$BOOTSTRAP"
  else
    log "not running"
    exit 3
  fi
}

# The classes behind Kafka's bin/*.sh scripts (Kafka 4.x moved them all to kafka-tools).
tool_class() {
  case "$1" in
    kafka-topics) echo org.apache.kafka.tools.TopicCommand ;;
    kafka-console-consumer) echo org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    kafka-console-producer) echo org.apache.kafka.tools.ConsoleProducer ;;
    kafka-consumer-groups) echo org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    kafka-get-offsets) echo org.apache.kafka.tools.GetOffsetShell ;;
    *) return 1 ;;
  esac
}

cmd_tools() {
  local stamp_file="$TOOLS_DIR/.fetched"
  local stamp
  stamp="$KAFKA_VERSION $(sha256sum <"$SCRIPT_DIR/tools-pom.xml" | cut -d' ' -f1)"
  if [[ ! -f "$stamp_file" || "$(cat "$stamp_file")" != "$stamp" ]]; then
    command -v mvn >/dev/null || die "mvn not found (needed once to fetch the Kafka $KAFKA_VERSION tools)"
    log "fetching the Kafka $KAFKA_VERSION command-line tools into $TOOLS_DIR"
    local tmp
    mkdir -p "$CACHE_DIR/$KAFKA_VERSION"
    tmp="$(mktemp -d "$CACHE_DIR/$KAFKA_VERSION/.tools.XXXXXX")"
    if ! mvn -q -B -f "$SCRIPT_DIR/tools-pom.xml" -Dkafka.version="$KAFKA_VERSION" \
        dependency:copy-dependencies -DoutputDirectory="$tmp" >"$tmp.log" 2>&1; then
      cat "$tmp.log" >&2
      rm -rf "$tmp" "$tmp.log"
      die "mvn could not fetch the Kafka $KAFKA_VERSION tools"
    fi
    rm -rf "$tmp.log" "$TOOLS_DIR"
    mv "$tmp" "$TOOLS_DIR"
    echo "$stamp" >"$stamp_file"
  fi
  if (( $# == 0 )); then
    log "tools ready; run one with: deploy/kafka/kafka.sh tools kafka-topics --bootstrap-server $BOOTSTRAP --list"
    log "(also kafka-console-consumer, kafka-console-producer, kafka-consumer-groups, kafka-get-offsets)"
    return 0
  fi
  local class
  class="$(tool_class "$1")" || die "unknown tool $1 (kafka-topics, kafka-console-consumer, kafka-console-producer, kafka-consumer-groups, kafka-get-offsets)"
  shift
  exec java -Xmx256m -cp "$TOOLS_DIR/*" "$class" "$@"
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  kill) cmd_kill ;;
  status) cmd_status ;;
  tools) shift; cmd_tools "$@" ;;
  *) echo "usage: $0 {fetch|start [--fresh]|stop|kill|status|tools [<tool> args...]}" >&2; exit 2 ;;
esac
