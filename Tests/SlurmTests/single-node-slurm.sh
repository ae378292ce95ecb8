#!/bin/sh
# A throw-away single-node Slurm cluster in a folder, for krill's Slurm tests (and for
# trying `krill run --executor slurm` on one machine).
#
#   single-node-slurm.sh install        apt-get install slurmctld slurmd slurm-client if missing
#   single-node-slurm.sh start DIR      write DIR/slurm.conf, start slurmctld and slurmd,
#                                       wait until the node is idle; prints SLURM_CONF=...
#   single-node-slurm.sh stop DIR       stop both daemons by the PIDs in DIR
#
# Everything (state, spool, logs, pid files) lives in DIR; the daemons listen on ports
# chosen from DIR's name so that two clusters do not collide. Needs root (slurmd runs
# jobs as their submitting user). Authentication is off (auth/none): never on a shared
# machine.
set -eu

command=${1:-}
dir=${2:-}

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null; then
        return 0
    fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "cannot install Slurm: needs root and apt-get" >&2
        return 3
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurmctld slurmd slurm-client >&2 || {
        DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurmctld slurmd slurm-client >&2
    } || return 3
}

plugin_dir() {
    for d in /usr/lib/x86_64-linux-gnu/slurm-wlm /usr/lib/aarch64-linux-gnu/slurm-wlm /usr/lib/slurm-wlm /usr/lib64/slurm; do
        if [ -e "$d/auth_none.so" ]; then echo "$d"; return 0; fi
    done
    echo "no Slurm plugin folder with auth_none.so" >&2
    return 3
}

start() {
    [ -n "$dir" ] || { echo "usage: $0 start DIR" >&2; exit 2; }
    mkdir -p "$dir/state" "$dir/spool"
    dir=$(cd "$dir" && pwd)
    # Ports from the folder's name: 20000-39999, slurmd one above slurmctld.
    sum=$(printf '%s' "$dir" | cksum | cut -d' ' -f1)
    port=$((20000 + (sum % 10000) * 2))
    cpus=$(nproc)
    memory=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)
    cat > "$dir/slurm.conf" <<EOF
ClusterName=krilltest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
AuthType=auth/none
CredType=cred/none
PluginDir=$(plugin_dir)
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SchedulerParameters=kill_invalid_depend
MinJobAge=3600
ReturnToService=2
KillWait=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
DefMemPerCPU=$((memory / cpus))
NodeName=localhost CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -D -i -f "$SLURM_CONF" >"$dir/slurmctld.out" 2>&1 &
    echo $! > "$dir/slurmctld.started"
    slurmd -D -f "$SLURM_CONF" >"$dir/slurmd.out" 2>&1 &
    echo $! > "$dir/slurmd.started"
    i=0
    while [ $i -lt 60 ]; do
        state=$(sinfo -h -n localhost -o %t 2>/dev/null || true)
        case "$state" in idle*) echo "SLURM_CONF=$SLURM_CONF"; return 0 ;; esac
        sleep 0.5
        i=$((i + 1))
    done
    echo "the single-node cluster did not come up within 30 s (node state: '${state:-}'); logs in $dir" >&2
    tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 2>/dev/null || true
    stop
    exit 3
}

stop() {
    [ -n "$dir" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
    # Cancel what is still queued or running, so no job outlives its cluster.
    if [ -f "$dir/slurm.conf" ] && [ -f "$dir/slurmctld.started" ]; then
        export SLURM_CONF="$dir/slurm.conf"
        jobs=$(squeue -h -o %i 2>/dev/null || true)
        if [ -n "$jobs" ]; then
            scancel $jobs 2>/dev/null || true
            i=0
            while [ -n "$(squeue -h -o %i 2>/dev/null || true)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        fi
    fi
    for daemon in slurmd slurmctld; do
        if [ -f "$dir/$daemon.started" ]; then
            pid=$(cat "$dir/$daemon.started")
            kill "$pid" 2>/dev/null || true
            i=0
            while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
            kill -9 "$pid" 2>/dev/null || true
            rm -f "$dir/$daemon.started"
        fi
    done
}

case "$command" in
    install) install_packages ;;
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 install | start DIR | stop DIR" >&2; exit 2 ;;
esac
