#!/usr/bin/env bash
# Creates bench/.venv with the evaluator peers krill is timed against:
# scikit-learn (TSNE barnes_hut, SVC, KMeans, MiniBatchKMeans) and openTSNE.
# Idempotent: an existing venv that already imports both is left as it is.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/.venv"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import sklearn, openTSNE" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet numpy scikit-learn openTSNE
"$venv/bin/python" -c "import sklearn, openTSNE; print('peers: scikit-learn', sklearn.__version__, 'openTSNE', openTSNE.__version__)"
