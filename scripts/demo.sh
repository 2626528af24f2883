#!/usr/bin/env bash
# The main job on the bundled example: read, summarise, check, convert, simulate, plot, graph.
set -euo pipefail
cd "$(dirname "$0")/.."
EDA=./.venv/bin/eda
NET=${1:-netlists/rc_lowpass.sp}
name=$(basename "${NET%.*}")
mkdir -p out
echo "== eda info $NET";                 $EDA info "$NET"
echo "== eda check $NET";                $EDA check "$NET"
echo "== eda convert (Spectre, KiCad)";  $EDA convert "$NET" -o "out/$name.scs"
                                         $EDA convert "$NET" -o "out/$name.net" --to kicad
echo "== eda sim";                       $EDA sim "$NET" -o "out/$name.sim.json" --plot "out/$name.png"
echo "== eda graph";                     $EDA graph "$NET" --view bipartite -o "out/$name.graphml"
echo "== outputs in out/:"; ls -1 out/ | sed 's/^/  /'
