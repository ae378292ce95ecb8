#!/bin/bash
# make bench-scale: krill at ZooScanNet scale on this machine. For each size in SIZES it
# writes a ZooScanNet-like tree of grey JPEGs (krill synth --layout zooscan: 27 taxa,
# Zipf-imbalanced, 48-192 px, not square), runs an experiment over it one stage kind at a
# time (krill run --until KIND), and records per stage kind: wall seconds, peak resident
# memory of the process (which computed only that kind: its ancestors were cached) and
# bytes committed to the cache. Then the runner's own peak memory on a fully cached run,
# the cold and warm fingerprint of a TREE-file tree, and rescale throughput (decode +
# rescale + store) beside ImageMagick and Pillow on the same files.
#
#   SIZES="25000 250000" TREE=1400000 bash bench/scale.sh      (the defaults)
#   SIZES="5000 25000" TREE=0 bash bench/scale.sh              (a quick look; TREE=0 skips the big tree)
#
# Everything goes to $OUT (default artifacts/bench-scale); the table to $OUT/table.md.
# Needs about 1.5 GB of disk per 250,000 images and 7 GB for a 1.4-million-file tree.
set -euo pipefail
cd "$(dirname "$0")/.."
KRILL=${KRILL:-.build/release/krill}
SIZES=${SIZES:-"25000 250000"}
TREE=${TREE:-1400000}
OUT=${OUT:-artifacts/bench-scale}
PEER_FILES=${PEER_FILES:-5000}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TABLE="$OUT/table.md"
command -v /usr/bin/time >/dev/null || { echo "bench-scale: installing GNU time"; apt-get install -y -qq time >/dev/null; }

# Seconds and peak RSS (KiB) of a command: "SECONDS KIB" on fd 3.
measure() {
    /usr/bin/time -f "%e %M" -o "$OUT/.time" "$@" >"$OUT/.log" 2>&1 || { tail -20 "$OUT/.log"; return 1; }
    cat "$OUT/.time"
}

experiment() {  # $1 tree, $2 file
    cat > "$2" <<EOF
# bench-scale: the study's shape on a ZooScanNet-like tree (27 taxa, 10 % validation, 10 % test)
seed: 1
data:
  source: folders
  folders: {root: $1}
rescale: {size: 64}
split: {validation: 0.1, test: 0.1}
model: {channels: [32, 64, 128, 128], embedding: 64, output: sigmoid}
loss: {variant: std_triplet, margin: 5}
training:
  epochs: 2
  steps_per_epoch: 200
  batch: {triplets: 32}
  snapshots: []
evaluate:
  tsne: {perplexity: 50, iterations: 500}
  svm: {kernel: poly, degree: 3, C: 1.0}
  kmeans: {algorithm: minibatch}
  zeroshot: false
EOF
}

echo "# krill at scale ($(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo))" > "$TABLE"
echo >> "$TABLE"
echo "| images | stage | seconds | peak memory (MiB) | on disk (MB) |" >> "$TABLE"
echo "| ---: | --- | ---: | ---: | ---: |" >> "$TABLE"

# STAGES=0 skips the per-stage runs (trees are kept and reused when complete).
for n in $SIZES; do
    tree="$OUT/tree-$n"
    [ "${STAGES:-1}" = 0 ] && [ -f "$tree/.complete" ] && continue
    if [ ! -f "$tree/.complete" ]; then
        rm -rf "$tree"
        echo "bench-scale: writing $n JPEGs to $tree"
        $KRILL synth "$tree" --layout zooscan --images "$n" --format jpeg | tee "$OUT/synth-$n.txt"
        touch "$tree/.complete"
    fi
    art="$OUT/artifacts-$n"
    rm -rf "$art"
    experiment "$tree" "$OUT/scale-$n.yaml"
    for kind in rescale split train embed summarize tsne svm kmeans retrieval baseline report; do
        read -r secs kib < <(measure $KRILL run "$OUT/scale-$n.yaml" --artifacts "$art" --until "$kind" --skip-space-check)
        bytes=$(du -sb "$art/cache/stages/$kind" 2>/dev/null | cut -f1 || echo 0)
        [ "$kind" = train ] && bytes=$((bytes + $(du -sb "$art/cache/blobs" 2>/dev/null | cut -f1 || echo 0)))
        printf "| %d | %s | %.1f | %.0f | %.1f |\n" "$n" "$kind" "$secs" "$((kib / 1024))" "$(echo "${bytes:-0} / 1000000" | bc -l)" | tee -a "$TABLE"
    done
    read -r secs kib < <(measure $KRILL run "$OUT/scale-$n.yaml" --artifacts "$art")
    printf "| %d | (runner, all cached) | %.1f | %.0f | |\n" "$n" "$secs" "$((kib / 1024))" | tee -a "$TABLE"
done

# Rescale throughput beside ImageMagick and Pillow, on the same PEER_FILES files of the
# first tree (decode, fit into 64 x 64 on white, store).
first=$(echo $SIZES | awk '{print $1}')
peer="$OUT/peer-files"
rm -rf "$peer" && mkdir -p "$peer/all/a" "$peer/all/b"
# Two class folders (krill plans a split); a subshell without pipefail: head closing the
# pipe is not a failure.
i=0
( set +o pipefail; find "$OUT/tree-$first" -name '*.jpg' | sort | head -n "$PEER_FILES" ) | while read -r f; do
    ln -s "$f" "$peer/all/$([ $((i % 2)) = 0 ] && echo a || echo b)/$(basename "$f")"; i=$((i + 1))
done
cat > "$OUT/peer.yaml" <<EOF
seed: 1
data: {source: folders, folders: {root: $peer/all}}
rescale: {size: 64}
EOF
rm -rf "$OUT/peer-artifacts"
read -r ksecs _ < <(measure $KRILL run "$OUT/peer.yaml" --artifacts "$OUT/peer-artifacts" --until rescale --skip-space-check)
convert_cmd=""
for c in magick /usr/bin/convert convert; do
    if command -v "$c" >/dev/null && "$c" -version 2>/dev/null | grep -q ImageMagick; then convert_cmd=$(command -v "$c"); break; fi
done
if [ -z "$convert_cmd" ] && [ "$(id -u)" = 0 ]; then
    echo "bench-scale: installing ImageMagick"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq imagemagick >/dev/null && convert_cmd=/usr/bin/convert
fi
if [ -n "$convert_cmd" ]; then
    mkdir -p "$OUT/peer-magick"
    start=$(date +%s.%N)
    find "$peer/all" -name '*.jpg' -print0 | xargs -0 -n 200 -P "$(nproc)" sh -c \
        'for f; do '"$convert_cmd"' "$f" -resize 64x64 -background white -gravity center -extent 64x64 "'"$OUT"'/peer-magick/$(basename "$f" .jpg).png"; done' _
    msecs=$(echo "$(date +%s.%N) - $start" | bc -l)
else
    msecs=""
fi
psecs=""
if [ -x bench/.venv/bin/python ]; then
    psecs=$(bench/.venv/bin/python - "$peer/all" "$(nproc)" <<'EOF'
import os, sys, time
from multiprocessing import Pool
import numpy as np
from PIL import Image
def one(path):
    im = Image.open(path).convert("L")
    im.thumbnail((64, 64), Image.BILINEAR) if max(im.size) > 64 else None
    if max(im.size) < 64:
        s = 64 / max(im.size); im = im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), Image.BILINEAR)
    out = Image.new("L", (64, 64), 255); out.paste(im, ((64 - im.width) // 2, (64 - im.height) // 2))
    return np.asarray(out, dtype=np.uint8)
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs)
start = time.time()
with Pool(int(sys.argv[2])) as pool:
    store = np.stack(pool.map(one, files, chunksize=64))
np.save("/dev/null", store)
print(f"{time.time() - start:.3f}")
EOF
)
fi
{
    echo
    echo "Rescale throughput on $PEER_FILES JPEGs (decode, fit into 64 x 64 on white, store), $(nproc) processes or threads:"
    echo
    echo "| tool | images/s |"
    echo "| --- | ---: |"
    printf "| krill (rescale stage, incl. fingerprint and commit) | %.0f |\n" "$(echo "$PEER_FILES / $ksecs" | bc -l)"
    [ -n "$msecs" ] && printf "| ImageMagick convert (one process per file, xargs -P) | %.0f |\n" "$(echo "$PEER_FILES / $msecs" | bc -l)"
    [ -n "$psecs" ] && printf "| Pillow (multiprocessing.Pool, into one array) | %.0f |\n" "$(echo "$PEER_FILES / $psecs" | bc -l)"
} | tee -a "$TABLE"

if [ "$TREE" -gt 0 ]; then
    big="$OUT/tree-$TREE"
    if [ ! -f "$big/.complete" ]; then
        rm -rf "$big"
        echo "bench-scale: writing $TREE JPEGs to $big"
        $KRILL synth "$big" --layout zooscan --images "$TREE" --format jpeg --taxa 39 | tee "$OUT/synth-$TREE.txt"
        touch "$big/.complete"
    fi
    echo | tee -a "$TABLE"
    $KRILL bench fingerprint "$big" --repeats 1 | tee -a "$TABLE"
fi
echo "bench-scale: table in $TABLE"
