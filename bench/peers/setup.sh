#!/usr/bin/env bash
# Installs the peer frameworks of the ConvNet benchmark into bench/.venv (idempotent):
# PyTorch (the CPU-only wheel: a plain `pip install torch` resolves to the CUDA build,
# about 5.4 GB with its nvidia wheels) and TensorFlow (tensorflow-cpu, Keras 3), with
# safetensors and Pillow for the export check and the embedding benchmark.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/../.venv"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
if "$venv/bin/python" -c 'import torch, tensorflow, safetensors, PIL' >/dev/null 2>&1; then
    echo "bench/peers/setup.sh: torch, tensorflow, safetensors and Pillow already installed in $venv"
    exit 0
fi
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "torch==2.13.0+cpu" tensorflow-cpu numpy safetensors pillow
"$venv/bin/python" -c 'import torch, tensorflow as tf; print("torch", torch.__version__, "tensorflow", tf.__version__)'
