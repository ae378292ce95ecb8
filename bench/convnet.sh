#!/usr/bin/env bash
# Side-by-side ConvNet throughput: krill vs PyTorch vs TensorFlow on the reference network
# (64x64x1, conv 32-64-128-128, embedding 64, l2, std_triplet, Adam, 32 triplets = 96 images
# per training step; inference batches of 256), then on ResNet-18 (torchvision's layout, one
# grey channel, 112 px, the same batches, 3 timed steps), two threads each.
# Usage: bench/convnet.sh [THREADS]   (needs .build/release/krill; run bench/peers/setup.sh first
# for the peers, which are skipped when bench/.venv is missing)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads="${1:-2}"
krill="${KRILL:-$root/.build/release/krill}"
py="$root/bench/.venv/bin/python"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT

"$krill" bench train --json --threads "$threads" | sed 's/^/krill /' >>"$out"
"$krill" bench embed --json --threads "$threads" | sed 's/^/krill /' >>"$out"
resnet=(--architecture resnet18 --size 112 --steps 3)
"$krill" bench train --json --threads "$threads" "${resnet[@]}" | sed 's/^/krill /' >>"$out"
"$krill" bench embed --json --threads "$threads" "${resnet[@]}" | sed 's/^/krill /' >>"$out"
if [ -x "$py" ]; then
    # The environment may pin OpenBLAS kernels for krill's tests; the peers run as shipped.
    for peer in torch tf; do
        for mode in train embed; do
            env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$root/bench/peers/convnet_$peer.py" "$mode" --threads "$threads" \
                | tail -1 | sed "s/^/$peer /" >>"$out" || echo "bench: $peer $mode failed" >&2
            env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$root/bench/peers/convnet_$peer.py" "$mode" --threads "$threads" "${resnet[@]}" \
                | tail -1 | sed "s/^/$peer /" >>"$out" || echo "bench: $peer $mode resnet18 failed" >&2
        done
    done
else
    echo "bench: no bench/.venv (run bench/peers/setup.sh): peers skipped" >&2
fi

python3 - "$out" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    who, _, js = line.partition(" ")
    r = json.loads(js)
    rows[(who, r.get("architecture") or "plain", r["benchmark"])] = r
for arch in ("plain", "resnet18"):
    for mode in ("train", "embed"):
        k = rows.get(("krill", arch, mode))
        if not k:
            continue
        print(f"{arch} {mode}: krill {k['images_per_second']:.1f} images/s, peak RSS {k['peak_rss_bytes'] / 2**20:.0f} MiB")
        best = 0
        for who, name in (("torch", "PyTorch"), ("tf", "TensorFlow")):
            p = rows.get((who, arch, mode))
            if p:
                best = max(best, p["images_per_second"])
                print(f"  {name}: {p['images_per_second']:.1f} images/s, peak RSS {p['peak_rss_bytes'] / 2**20:.0f} MiB, "
                      f"krill/{name} = {k['images_per_second'] / p['images_per_second']:.2f}x")
        if best:
            print(f"  krill / faster peer = {k['images_per_second'] / best:.2f}x")
PY
