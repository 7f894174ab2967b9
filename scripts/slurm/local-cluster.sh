#!/usr/bin/env bash
# local-cluster.sh - a single-node Slurm cluster in a folder, for the tests
# and for trying gbench-array.sbatch without a cluster (Debian's munge,
# slurmctld, slurmd and slurm-client; root).
#
#   scripts/slurm/local-cluster.sh start DIR   # prints: export SLURM_CONF=DIR/slurm.conf
#   scripts/slurm/local-cluster.sh stop DIR
#
# Everything lives in DIR: its own munged (socket DIR/munge.sock, the
# machine's /etc/munge/munge.key), slurm.conf with one node (this host, all
# its CPUs) and one partition, state, spool, logs and pid files; ports
# 6917/6918 (GB_SLURM_PORT to move them). Nothing is installed or left
# running by stop. Exit 4 when it cannot start (missing packages, not root,
# a daemon that does not come up), with the reason on stderr.
set -u
cmd=${1:-} dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
port=${GB_SLURM_PORT:-6917}
fail() { echo "local-cluster: $*" >&2; exit 4; }

stop() {
	for p in slurmd slurmctld munged; do
		[ -s "$dir/$p.pid" ] || continue
		pid=$(cat "$dir/$p.pid")
		# only the daemon this folder started: its pid file and its name
		if [ "$(cat "/proc/$pid/comm" 2> /dev/null)" = "$p" ]; then
			kill "$pid" 2> /dev/null
			for _ in $(seq 1 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
			kill -9 "$pid" 2> /dev/null
		fi
		rm -f "$dir/$p.pid"
	done
}

case $cmd in
stop) stop; exit 0 ;;
start) ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac

[ "$(id -u)" = 0 ] || fail "needs root (slurmd runs jobs as their users)"
for b in munged slurmctld slurmd sbatch sinfo; do
	command -v "$b" > /dev/null || PATH=$PATH:/usr/sbin command -v "$b" > /dev/null ||
		fail "no $b: apt-get install munge slurmctld slurmd slurm-client"
done
export PATH=$PATH:/usr/sbin
[ -r /etc/munge/munge.key ] || fail "no /etc/munge/munge.key (the munge package makes it)"
mkdir -p "$dir/state" "$dir/spool" || fail "cannot make $dir"
dir=$(cd "$dir" && pwd)
host=$(hostname -s)

munged --socket="$dir/munge.sock" --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" \
	--seed-file="$dir/munge.seed" --force 2> "$dir/munged.err" || fail "munged did not start: $(head -c 300 "$dir/munged.err")"

cat > "$dir/slurm.conf" <<CONF
ClusterName=gbench-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge.sock
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdTimeout=30
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf
slurmctld -i 2> "$dir/slurmctld.err" || { stop; fail "slurmctld did not start: $(head -c 300 "$dir/slurmctld.err")"; }
slurmd 2> "$dir/slurmd.err" || { stop; fail "slurmd did not start: $(head -c 300 "$dir/slurmd.err")"; }
for _ in $(seq 1 100); do
	state=$(sinfo -h -N -o '%t' 2> /dev/null | head -n 1)
	case $state in idle|mix|alloc) echo "export SLURM_CONF=$dir/slurm.conf"; exit 0 ;; esac
	sleep 0.2
done
stop
fail "the node did not come up (state '${state:-none}'); see $dir/slurmctld.log and $dir/slurmd.log"
