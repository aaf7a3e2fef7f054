"""pumice.lava_compat: lava-nc 0.10.0's var_model imports and Lava runs on Python 3.11."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pumice import lava_compat

PY310 = Path("/root/.pyenv/versions/3.10.13/bin/python")
MUTABLE_DEFAULT = re.compile(r"=\s*ByteEncoder\(\)")
ON_311 = lava_compat.needs_fix()


def var_model_source() -> str:
    """The installed lava-nc var_model.py, read without importing it."""
    (lava_dir,) = importlib.util.find_spec("lava").submodule_search_locations
    return (Path(lava_dir) / "magma" / "compiler" / "var_model.py").read_text()


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_patch_rewrites_real_source():
    source = var_model_source()
    assert MUTABLE_DEFAULT.search(source), "installed lava-nc is expected to be unpatched"
    patched = lava_compat.patch_var_model_source(source)
    compile(patched, "var_model.py", "exec", dont_inherit=True)
    assert not MUTABLE_DEFAULT.search(patched)
    assert patched.count("field(default_factory=ByteEncoder)") == 8
    assert "from dataclasses import dataclass, InitVar, field\n" in patched
    assert patched.count("\n") == source.count("\n")
    assert lava_compat.patch_var_model_source(patched) == patched


def test_patch_keeps_existing_field_import():
    source = (
        "from dataclasses import dataclass, field\n"
        "@dataclass\n"
        "class C:\n"
        "    x: ByteEncoder = ByteEncoder()\n"
    )
    patched = lava_compat.patch_var_model_source(source)
    assert patched.splitlines() == [
        "from dataclasses import dataclass, field",
        "@dataclass",
        "class C:",
        "    x: ByteEncoder = field(default_factory=ByteEncoder)",
    ]


@pytest.mark.parametrize(
    "source",
    [
        "from dataclasses import dataclass\nclass C:\n    x: int = 0\n",
        "import dataclasses\nclass C:\n    x: ByteEncoder = ByteEncoder()\n",
    ],
    ids=["no-mutable-default", "no-dataclasses-import"],
)
def test_patch_fails_loudly_on_unexpected_source(source):
    with pytest.raises(RuntimeError, match="lava-nc differs from 0.10.0"):
        lava_compat.patch_var_model_source(source)


def test_import_after_pumice_uses_patched_module(tmp_path):
    code = (
        "import pumice, lava.magma.compiler.var_model as m\n"
        "a, b = m.CoreEncoder(), m.CoreEncoder()\n"
        "assert a.x == m.ByteEncoder() and a.x is not b.x\n"
        "assert m.__spec__.origin == m.__file__ and m.__file__.endswith('var_model.py')\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not ON_311, reason="lava-nc imports unpatched before Python 3.11")
def test_import_without_pumice_fails(tmp_path):
    result = run_python("import lava.magma.compiler.var_model", tmp_path)
    assert result.returncode != 0
    assert "mutable default" in result.stderr


def test_install_is_idempotent():
    assert lava_compat.install() is ON_311
    assert lava_compat.install() is ON_311
    hooks = [f for f in sys.meta_path if getattr(f, "pumice_lava_compat", False)]
    assert len(hooks) == 1
    assert sys.meta_path[0] is hooks[0]
    assert (lava_compat.TARGET in hooks[0].fixes) is ON_311


def test_no_var_model_fix_on_python_310():
    assert lava_compat.needs_fix((3, 10, 13)) is False
    assert lava_compat.needs_fix((3, 11, 7)) is True
    assert lava_compat.TARGET not in lava_compat.patches((3, 10, 13))
    assert lava_compat.TARGET in lava_compat.patches((3, 11, 7))


def test_start_method_fix_applies_everywhere():
    for version in ((3, 10, 13), (3, 11, 7)):
        assert lava_compat.START_METHOD_MODULE in lava_compat.patches(version)
    source = "import multiprocessing as mp\nmp.set_start_method('fork')\n"
    patched = lava_compat.patch_start_method_source(source)
    assert "force=True" in patched
    assert lava_compat.patch_start_method_source(patched) == patched
    with pytest.raises(RuntimeError, match="start-method"):
        lava_compat.patch_start_method_source("import multiprocessing\n")


def test_lava_imports_after_start_method_was_fixed(tmp_path):
    """tqdm's first bar fixes the start method; Lava must still import and run afterwards."""
    code = (
        "import multiprocessing as mp, pumice\n"
        "mp.get_start_method()\n"
        "import lava.magma.runtime.runtime\n"
        "print(mp.get_start_method())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "fork"


@pytest.mark.skipif(not PY310.exists(), reason=f"{PY310} not installed")
def test_no_fix_under_real_python_310(tmp_path):
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('lava_compat', {lava_compat.__file__!r})\n"
        "m = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(m)\n"
        "m.install()\n"
        "hook = sys.meta_path[0]\n"
        "print(m.needs_fix(), m.TARGET in hook.fixes, m.START_METHOD_MODULE in hook.fixes)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(PY310), "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True"]


@pytest.mark.lava
def test_lif_dense_network_spikes_on_loihi2_fixed_pt():
    """LIF -> Dense -> LIF with hand-computed spike times.

    Fixed point LIF: u[t] = u*(4096 - du - 1) >> 12 + (a_in << 6),
    v[t] = v*(4096 - dv) >> 12 + u[t] + bias; spike (and v := 0) when v > vth << 6.
    Source: du = dv = 0, no input, bias 25, vth 1 (64): v = 25, 50, 75 -> spikes at 3, 6, 9, 12.
    Dense (weight 10) delivers a spike one step later: target input at 4, 7, 10, 13.
    Target: du = 4095 so u = 10 << 6 = 640 on input steps only, dv = 0, vth 15 (960):
    v = 640 at 4, 1280 at 7 -> spike; again at 13.
    """
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense
    from lava.proc.io.sink import RingBuffer
    from lava.proc.lif.process import LIF

    steps = 14
    source = LIF(shape=(1,), du=0, dv=0, bias_mant=25, bias_exp=0, vth=1)
    dense = Dense(weights=np.array([[10]]))
    target = LIF(shape=(1,), du=4095, dv=0, bias_mant=0, vth=15)
    source_spikes = RingBuffer(shape=(1,), buffer=steps)
    target_spikes = RingBuffer(shape=(1,), buffer=steps)
    source.s_out.connect(dense.s_in)
    dense.a_out.connect(target.a_in)
    source.s_out.connect(source_spikes.a_in)
    target.s_out.connect(target_spikes.a_in)
    try:
        source.run(condition=RunSteps(num_steps=steps), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        source_steps = np.flatnonzero(source_spikes.data.get()[0]) + 1
        target_steps = np.flatnonzero(target_spikes.data.get()[0]) + 1
        target_v = target.v.get()
    finally:
        source.stop()
    assert source_steps.tolist() == [3, 6, 9, 12]
    assert target_steps.tolist() == [7, 13]
    assert target_v.tolist() == [0]
