#!/usr/bin/env bash
# Run a private rootful Docker engine in its own directory (socket, data, pid file, log).
#
#   scripts/dockerd.sh start DIR     start it (or reuse it); prints DOCKER_HOST=unix://DIR/docker.sock
#   scripts/dockerd.sh stop DIR      remove its containers, stop only this daemon, unmount, delete DIR
#   scripts/dockerd.sh restart DIR   stop and start the daemon, keeping DIR (live-restore keeps jobs)
#   scripts/dockerd.sh host DIR      print the DOCKER_HOST without starting anything
#
# The daemon has no bridge and no iptables rules, so it can run beside a system dockerd; jobs use
# network "none" (or "host"). live-restore is on so that containers outlive a daemon restart.
# Needs Debian's docker.io (dockerd, containerd, runc) and root.
#
# An empty DIR gets a tmpfs of its own (DOCKERD_TMPFS=0: keep DIR's filesystem). The engine is
# thrown away on stop anyway, and a normal install keeps its exec-root and containerd state on
# the /run tmpfs; on disk (here: ext4 without a journal, which scans recently freed inodes on
# every allocation) each container's layer, bundle and log files cost ~20% of a trivial job's
# CPU. Images, container layers and job logs then live in RAM until `stop`.
set -euo pipefail

usage() { echo "usage: $0 start|stop|restart|host DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
tmpfs=${DOCKERD_TMPFS:-1}
host="unix://$dir/docker.sock"
pidfile="$dir/docker.pid"

alive() { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
answers() { curl -fsS --max-time 2 --unix-socket "$dir/docker.sock" http://engine/_ping >/dev/null 2>&1; }

launch() {
  command -v dockerd >/dev/null || { echo "dockerd not found: apt-get install -y docker.io" >&2; exit 1; }
  if alive && answers; then echo "$host"; return; fi
  if [ "$tmpfs" = 1 ] && ! mountpoint -q "$dir" && [ -z "$(ls -A "$dir")" ]; then
    mount -t tmpfs -o mode=0711 classad-pool-dockerd "$dir"
  fi
  setsid dockerd --host "$host" --data-root "$dir/data" --exec-root "$dir/exec" \
    --pidfile "$pidfile" --bridge=none --iptables=false --ip-masq=false --ip-forward=false \
    --live-restore --shutdown-timeout 2 >>"$dir/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 150); do
    if answers; then echo "$host"; return; fi
    sleep 0.1
  done
  echo "dockerd did not answer within 15 s; see $dir/dockerd.log" >&2
  exit 1
}

halt() {
  alive || return 0
  local pid cpid
  pid=$(cat "$pidfile")
  cpid=$(cat "$dir/exec/containerd/containerd.pid" 2>/dev/null || true)
  kill -TERM "$pid"
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "dockerd $pid still running after 30 s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  # dockerd asks a slow containerd for a stack dump before killing it; do not litter /tmp
  [ -z "$cpid" ] || rm -f "/tmp/containerd.$cpid.stacks.log"
}

case $action in
start) launch ;;
host) echo "$host" ;;
restart) halt; launch ;;
stop)
  if alive && answers; then
    ids=$(DOCKER_HOST=$host docker ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || DOCKER_HOST=$host docker rm -f $ids >/dev/null 2>&1 || true
  fi
  halt
  # a daemon killed hard can leave mounts under its directory
  awk -v d="$dir" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$dir" ;;
*) usage ;;
esac
