#!/usr/bin/env bash
# Starts and stops a real single-node Slurm cluster (Debian's slurm-wlm and
# munge) whose whole state lives in one temporary folder, for the sweep tests.
#   source slurm_cluster.sh; slurm_cluster_start DIR; ...; slurm_cluster_stop
# slurm_cluster_start exports SLURM_CONF and returns once `sinfo` shows the
# node idle; when a daemon does not come up it prints that daemon's log and
# returns 1 (the caller fails: a missing cluster is a failure, never a skip).
# Needs root (the daemons run as root and so do the jobs).

slurm_cluster_log() {
  local name=$1 file=$2
  echo "---- $name log ($file) ----" >&2
  if [[ -f $file ]]; then tail -n 40 "$file" >&2; else echo "(no log written)" >&2; fi
}

slurm_cluster_start() {
  SLURM_CLUSTER_DIR=$1
  local d=$SLURM_CLUSTER_DIR host port
  mkdir -p "$d/state" "$d/spool"
  chmod 700 "$d"
  for tool in munged slurmctld slurmd sinfo sbatch squeue; do
    if ! command -v "$tool" >/dev/null && [[ ! -x /usr/sbin/$tool ]]; then
      echo "slurm_cluster: $tool is not installed (tools/install-deps.sh installs slurm-wlm and munge)" >&2
      return 1
    fi
  done
  export PATH=$PATH:/usr/sbin
  host=$(hostname -s)
  # Ports away from Slurm's defaults (6817/6818) and from each other's runs.
  port=$((20000 + ($$ % 10000) * 2))
  dd if=/dev/urandom of="$d/munge.key" bs=1024 count=1 status=none
  chmod 400 "$d/munge.key"
  munged --key-file="$d/munge.key" --socket="$d/munge.sock" --pid-file="$d/munged.pid" \
    --log-file="$d/munged.log" --seed-file="$d/munged.seed" --force 2>>"$d/munged.log" || {
    echo "slurm_cluster: munged did not start" >&2
    slurm_cluster_log munged "$d/munged.log"
    return 1
  }
  cat >"$d/slurm.conf" <<CONF
ClusterName=waferscope-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge.sock
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
NodeName=wsnode NodeAddr=127.0.0.1 NodeHostname=$host CPUs=2 State=UNKNOWN
PartitionName=sweep Nodes=wsnode Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$d/slurm.conf
  slurmctld -i 2>>"$d/slurmctld.log" || {
    echo "slurm_cluster: slurmctld did not start" >&2
    slurm_cluster_log slurmctld "$d/slurmctld.log"
    return 1
  }
  slurmd -N wsnode 2>>"$d/slurmd.log" || {
    echo "slurm_cluster: slurmd did not start" >&2
    slurm_cluster_log slurmd "$d/slurmd.log"
    return 1
  }
  local i state
  for ((i = 0; i < 120; i++)); do
    state=$(sinfo --noheader --format=%t 2>/dev/null || true)
    if [[ $state == idle ]]; then
      return 0
    fi
    sleep 0.5
  done
  echo "slurm_cluster: the node did not become idle in 60 s (sinfo state: '${state}')" >&2
  slurm_cluster_log slurmctld "$d/slurmctld.log"
  slurm_cluster_log slurmd "$d/slurmd.log"
  slurm_cluster_log munged "$d/munged.log"
  return 1
}

# Stops the daemons this folder's pid files name (only those) and removes the folder.
slurm_cluster_stop() {
  local d=${SLURM_CLUSTER_DIR:-} pidfile pid i
  [[ -n $d && -d $d ]] || return 0
  for pidfile in "$d/slurmd.pid" "$d/slurmctld.pid" "$d/munged.pid"; do
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || continue
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  done
  rm -rf "$d"
}
