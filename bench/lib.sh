# Shell helpers the benchmark scripts share; `source bench/lib.sh` after `cd` to the repository root.

now_ms() { date +%s%3N; }

# True when nothing listens on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Files in directory $1 (0 when it does not exist).
count_files() { ls -U "$1" 2>/dev/null | wc -l; }

# Every pid in the tree under $1, $1 included.
tree_pids() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      inside[root] = 1; grown = 1
      while (grown) { grown = 0; for (p in parent) if (!(p in inside) && (parent[p] in inside)) { inside[p] = 1; grown = 1 } }
      for (p in inside) if (p in parent) print p
    }'
}

# "RSS PSS" in KiB summed over the tree under $1.
tree_mem() {
  tree_pids "$1" | awk '
    { f = "/proc/" $1 "/smaps_rollup"
      while ((getline line < f) > 0) { split(line, w, " "); if (w[1] == "Rss:") rss += w[2]; if (w[1] == "Pss:") pss += w[2] }
      close(f) }
    END { print rss + 0, pss + 0 }'
}

# Samples the tree under $1 every 0.2 s (at most $3 s) and keeps the peaks in $2 as "RSS PSS".
sample_peaks() {
  local peak_rss=0 peak_pss=0 rss pss
  for _ in $(seq $(($3 * 5))); do
    read -r rss pss < <(tree_mem "$1")
    [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
    [ "$pss" -gt "$peak_pss" ] && peak_pss=$pss
    echo "$peak_rss $peak_pss" > "$2.tmp" && mv "$2.tmp" "$2"
    sleep 0.2
  done
}
