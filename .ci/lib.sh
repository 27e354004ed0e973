# Sourced by .ci/run: timed steps, background jobs, and the table of seconds at the end.
#
#   step NAME             ends the step before (its seconds are recorded) and starts NAME
#   background NAME CMD…  starts CMD at once in its own process group, its output in
#                         target/ci/NAME.log; whatever it leaves running (a server) stays up
#                         until the run ends
#   join NAME             waits for NAME; if it failed, prints its log and fails the run
#
# The table (each step's seconds and the machine's CPU seconds meanwhile, from /proc/stat: a
# step far below 2 CPU seconds a second leaves a core idle; then each background job's own
# seconds) is printed when the run ends, passed or failed, and written to target/ci/times.tsv.
# Every background job's process group is ended then too.

ci_dir=target/ci
mkdir -p "$ci_dir"
rm -f "$ci_dir"/*.log "$ci_dir"/*.rc "$ci_dir"/*.env "$ci_dir/times.tsv"

ci_steps=()   # "seconds<TAB>cpu seconds<TAB>name", in order
ci_step_name=""
ci_step_start=0
ci_step_cpu=0

# CPU time the whole machine spent busy so far, in clock ticks (user, nice, system, irq,
# softirq, steal).
ci_cpu_ticks() {
  local _cpu user nice system _idle _iowait irq softirq steal _rest
  read -r _cpu user nice system _idle _iowait irq softirq steal _rest </proc/stat
  echo $((user + nice + system + irq + softirq + steal))
}
ci_ticks_per_second=$(getconf CLK_TCK)
ci_run_cpu=$(ci_cpu_ticks)
declare -A ci_job_pid=() ci_job_start=() ci_job_seconds=()
ci_jobs=()

step() {
  ci_end_step
  ci_step_name=$*
  ci_step_start=$SECONDS
  ci_step_cpu=$(ci_cpu_ticks)
  printf '\n==> [%ss] %s\n' "$SECONDS" "$*"
}

ci_end_step() {
  if [ -n "$ci_step_name" ]; then
    ci_steps+=("$((SECONDS - ci_step_start))	$((($(ci_cpu_ticks) - ci_step_cpu) / ci_ticks_per_second))	$ci_step_name")
    ci_step_name=""
  fi
}

background() {
  local name=$1
  shift
  ci_jobs+=("$name")
  ci_job_start[$name]=$(date +%s)
  # setsid: the job leads its own process group, so the end of the run can stop whatever it
  # started (Prism, a real vendor server) with one signal. Its .rc file: exit status and end time.
  setsid bash -c '"$@"; echo "$? $(date +%s)" >"'"$ci_dir/$name.rc"'"' ci-job "$@" \
    >"$ci_dir/$name.log" 2>&1 </dev/null &
  ci_job_pid[$name]=$!
  echo "    (in the background: $name, log $ci_dir/$name.log)"
}

join() {
  local name=$1 rc
  while [ ! -e "$ci_dir/$name.rc" ]; do
    if ! kill -0 "${ci_job_pid[$name]}" 2>/dev/null && [ ! -e "$ci_dir/$name.rc" ]; then
      echo "error: background job $name ended without a status; its log:" >&2
      cat "$ci_dir/$name.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  local end
  read -r rc end <"$ci_dir/$name.rc"
  ci_job_seconds[$name]=$((end - ci_job_start[$name]))
  if [ "$rc" != 0 ]; then
    echo "error: background job $name failed (exit $rc); its log ($ci_dir/$name.log):" >&2
    tail -n 200 "$ci_dir/$name.log" >&2
    exit 1
  fi
  echo "    (joined $name: it took ${ci_job_seconds[$name]} s)"
}

ci_table() {
  local status=$1 line
  ci_end_step
  {
    printf 'seconds\tcpu\tstep\n'
    for line in "${ci_steps[@]}"; do printf '%s\n' "$line"; done
    for name in "${ci_jobs[@]}"; do
      printf '%s\t-\t(background) %s\n' "${ci_job_seconds[$name]:-?}" "$name"
    done
    printf '%s\t%s\ttotal (exit %s)\n' "$SECONDS" "$((($(ci_cpu_ticks) - ci_run_cpu) / ci_ticks_per_second))" "$status"
  } >"$ci_dir/times.tsv"
  printf '\n==> seconds per step (%s/times.tsv; background jobs ran beside the steps)\n' "$ci_dir"
  column -t -s $'\t' "$ci_dir/times.tsv" 2>/dev/null || cat "$ci_dir/times.tsv"
}

ci_finish() {
  local status=$?
  for name in "${ci_jobs[@]}"; do
    kill -TERM -- "-${ci_job_pid[$name]}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  ci_table "$status"
  exit "$status"
}
trap ci_finish EXIT
