"""Run a new user's bad inputs through the ``pumice`` command and record what each gives.

Every probe runs the installed CLI in a subprocess, in a folder of small inputs (float and
fixed models, damaged model files of every format, ``.npz`` data, a file, a folder, a full
disk and a read-only folder where this process may mount them), and records the exit code,
the lines on stderr, whether a traceback was printed, whether any input changed and which
files were left behind. The cases are the probes of the robustness issue, grouped by its
items; ``expect`` says what a correct tool does. Not a test: the test suite holds the same
cases as assertions (``tests/test_cli_bad_input_tables.py`` and neighbours).

    python bench/bad_input_probes.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import nir
import numpy as np

from pumice.atomic import atomic_write_text
from pumice.convert.interchange import export_netx, export_nir
from pumice.convert.ir import CubaLIF, Dense, Flatten, Graph, Input, save_graph
from pumice.convert.ir.container import write_container
from pumice.convert.ir.serialize import HEADER, encode_graph
from pumice.convert.passes.quantize import QuantizeToLoihi

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "bad_input_probes.json"
PUMICE = [sys.executable, "-m", "pumice.cli"]


def float_graph(weight: np.ndarray | None = None) -> Graph:
    """A digits-shaped float network 64 -> 20 -> 10 (random weights)."""
    rng = np.random.default_rng(0)
    first = rng.normal(0, 0.4, (20, 64)) if weight is None else weight
    return Graph.chain(
        [
            ("input", Input((1, 8, 8))),
            ("flatten1", Flatten()),
            ("dense1_synapse", Dense(first)),
            ("dense1", CubaLIF((20,), 1.25, 0.25, 0.03, np.zeros(1))),
            ("dense2_synapse", Dense(rng.normal(0, 0.6, (10, 20)))),
            ("dense2", CubaLIF((10,), 1.25, 0.25, 0.03, np.zeros(1))),
        ],
        metadata={"steps": 12, "data": {"name": "digits", "max_rate": 1.0}},
    )


def write_unchecked(path: Path, graph: Graph, edit=None) -> None:
    """``graph`` as a sealed ``.pumice`` with its header edited, bypassing validation."""
    arrays = encode_graph(graph)
    if edit is not None:
        header = json.loads(arrays[HEADER].tobytes())
        edit(header)
        arrays[HEADER] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    write_container(path, arrays)


def node_fields(name: str, **fields):
    """A header edit setting ``fields`` of node ``name``."""

    def edit(header: dict) -> None:
        for node in header["nodes"]:
            if node["name"] == name:
                node["attrs"].update(fields)

    return edit


def edited_nir(source: Path, path: Path, node: str, **fields) -> None:
    """A copy of the NIR file ``source`` with ``fields`` of ``node`` replaced."""
    graph = nir.read(source)
    for key, value in fields.items():
        old = getattr(graph.nodes[node], key)
        setattr(graph.nodes[node], key, np.full_like(np.asarray(old, dtype=float), value))
    nir.write(path, graph)


def edited_netx(source: Path, path: Path, dataset: str, change) -> None:
    """A copy of the ``.net`` file ``source`` with one dataset of its first dense layer changed."""
    shutil.copyfile(source, path)
    with h5py.File(path, "r+") as handle:
        data = handle[f"layer/2/{dataset}"]
        replaced = change(np.asarray(data[()]))
        del handle[f"layer/2/{dataset}"]
        handle.create_dataset(f"layer/2/{dataset}", data=replaced)


def write_inputs(folder: Path) -> None:
    """Every input file the probes name."""
    rng = np.random.default_rng(1)
    graph = float_graph()
    fixed = QuantizeToLoihi().apply(graph).graph
    save_graph(graph, folder / "float.pumice")
    save_graph(fixed, folder / "fixed.pumice")

    def spikes(samples, shape=(1, 8, 8)):
        return (rng.random((samples, *shape, 12)) < 0.3).astype(np.uint8)

    np.savez(folder / "mine.npz", x=spikes(39), y=rng.integers(0, 10, 39))
    np.savez(folder / "tiny.npz", x=spikes(3), y=rng.integers(0, 10, 3))
    np.savez(folder / "high.npz", x=spikes(10), y=np.arange(5, 15))
    np.savez(folder / "negative.npz", x=spikes(10), y=np.arange(-3, 7))
    (folder / "notes.txt").write_text("a regular file\n")
    (folder / "results").mkdir()

    flipped = bytearray((folder / "fixed.pumice").read_bytes())
    for position in rng.choice(len(flipped), 20, replace=False):
        flipped[position] ^= 0xFF
    (folder / "flipped.pumice").write_bytes(bytes(flipped))
    write_unchecked(folder / "no_nodes.pumice", graph, lambda header: header.pop("nodes"))
    write_unchecked(folder / "threshold_abc.pumice", graph, node_fields("dense1", threshold="abc"))
    write_unchecked(folder / "weight_64x63.pumice", float_graph(rng.normal(0, 0.4, (20, 63))))
    write_unchecked(folder / "vth_negative.pumice", fixed, node_fields("dense1", vth=-10))
    write_unchecked(folder / "du_99999.pumice", fixed, node_fields("dense1", du=99999))

    export_nir(graph, folder / "good.nir")
    edited_nir(folder / "good.nir", folder / "nan_weights.nir", "dense1_synapse", weight=np.nan)
    one_nan = nir.read(folder / "good.nir")
    one_nan.nodes["dense1_synapse"].weight[0, 0] = np.nan
    nir.write(folder / "one_nan_weight.nir", one_nan)
    edited_nir(folder / "good.nir", folder / "inf_threshold.nir", "dense1", v_threshold=np.inf)

    export_netx(graph, folder / "good.net")
    good_net = folder / "good.net"
    edited_netx(good_net, folder / "vth_mant_negative.net", "neuron/vThMant", lambda v: -5)
    edited_netx(good_net, folder / "weight_1e9.net", "weight", lambda w: w * 0 + 1e9)

    profile = (ROOT / "hw_profiles" / "loihi1.toml").read_text()
    lines = [
        "energy_synop_pj = nan" if line.startswith("energy_synop_pj") else line
        for line in profile.splitlines()
    ]
    (folder / "nan_energy.toml").write_text("\n".join(lines) + "\n")

    config = (ROOT / "configs" / "digits_demo.toml").read_text()
    config = config.replace("epochs = 12", "epochs = 1")
    (folder / "run").mkdir()
    (folder / "run" / "config.toml").write_text("# the user's own comment\n" + config)
    (folder / "twice.toml").write_text(config)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (mounts excluded) with a hash of its bytes."""
    seen = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [name for name in dirs if not os.path.ismount(Path(root) / name)]
        for name in files:
            path = Path(root) / name
            seen[os.path.relpath(path, folder)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return seen


class Mounts:
    """A full 64 KiB tmpfs at ``full/`` and a read-only tmpfs at ``readonly/``, where allowed."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.mounted: list[Path] = []

    def _mount(self, name: str, options: str) -> bool:
        point = self.folder / name
        point.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True
        )
        if done.returncode != 0:
            return False
        self.mounted.append(point)
        return True

    def __enter__(self) -> dict[str, bool]:
        can = {"full": self._mount("full", "size=64k"), "readonly": self._mount("readonly", "ro")}
        if can["full"]:
            descriptor = os.open(self.folder / "full" / "filler", os.O_WRONLY | os.O_CREAT)
            try:
                while os.write(descriptor, b"\0" * 4096):
                    pass
            except OSError:
                pass
            finally:
                os.close(descriptor)
        return can

    def __exit__(self, *exc) -> None:
        for point in self.mounted:
            subprocess.run(["umount", str(point)], check=False)


L1 = "--profile loihi1"
# (issue item, command line): each must end in exit 2, one line (besides progress bars of
# work done before a write failed) and no change, except the commands in SUCCEEDS, which
# must succeed with every input unchanged.
CASES = [
    (1, "run float.pumice --json float.pumice"),
    (1, f"map fixed.pumice {L1} --json fixed.pumice"),
    (1, f"report fixed.pumice {L1} --png fixed.pumice"),
    (1, "convert float.pumice --out o.pumice --json float.pumice"),
    (1, "convert float.pumice --out float.pumice"),
    (1, "train run/config.toml --out run -q"),
    (2, "convert nan_weights.nir --out o.pumice"),
    (2, "run one_nan_weight.nir --data mine.npz"),
    (2, "convert inf_threshold.nir --out o.pumice"),
    (3, "run float.pumice --json notes.txt/r.json"),
    (3, f"map fixed.pumice {L1} --json readonly/m.json"),
    (3, f"report fixed.pumice {L1} --json results"),
    (3, "convert float.pumice --out full/o.pumice"),
    (3, "run float.pumice --json /dev/full"),
    (3, "train twice.toml --out notes.txt"),
    (3, "demo --out notes.txt"),
    (4, "run flipped.pumice"),
    (4, "run no_nodes.pumice"),
    (4, "run threshold_abc.pumice"),
    (4, "convert weight_64x63.pumice --out o.pumice"),
    (4, f"map weight_64x63.pumice {L1}"),
    (5, "run float.pumice --seed -1"),
    (5, "run float.pumice --steps 0"),
    (5, "run float.pumice --steps 100000"),
    (5, "demo --lava-samples 0"),
    (5, "demo --lava-samples -1"),
    (5, "run vth_negative.pumice"),
    (5, f"map du_99999.pumice {L1}"),
    (5, "run vth_mant_negative.net --data mine.npz"),
    (5, "run weight_1e9.net --data mine.npz"),
    (5, "map fixed.pumice --profile nan_energy.toml"),
    (6, "run float.pumice --data high.npz"),
    (6, "run float.pumice --data negative.npz"),
    (7, "deploy fixed.pumice --target lava-sim --out full/bundle"),
    (7, f"report fixed.pumice {L1} --json ok.json --png notes.txt/r.png"),
]
SUCCEEDS = {"train run/config.toml --out run -q"}

#: Cases needing a mount this process could not make, by the mount point they write to.
NEEDS_MOUNT = {"full/": "full", "readonly/": "readonly"}


def run_probe(folder: Path, command: str, timeout: float = 900) -> dict:
    """Run one ``pumice`` command in ``folder``; what it printed and changed."""
    before = snapshot(folder)
    start = time.perf_counter()
    done = subprocess.run(
        [*PUMICE, *shlex.split(command)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    after = snapshot(folder)
    err_lines = done.stderr.strip().splitlines()
    return {
        "exit_code": done.returncode,
        "stderr_lines": len(err_lines),
        "progress_bar_lines": sum("%|" in line for line in err_lines),
        "message": err_lines[-1] if err_lines else "",
        "traceback": "Traceback" in done.stderr,
        "inputs_unchanged": all(after.get(name) == digest for name, digest in before.items()),
        "written": sorted(set(after) - set(before)),
        "wall_s": round(time.perf_counter() - start, 2),
    }


def judged(row: dict, expect: str) -> bool:
    """Whether a probe did what a correct tool does."""
    if expect == "ok":
        return row["exit_code"] == 0 and row["inputs_unchanged"]
    return (
        row["exit_code"] == 2
        and row["stderr_lines"] - row["progress_bar_lines"] == 1
        and row["message"].startswith("pumice: error: ")
        and not row["traceback"]
        and row["inputs_unchanged"]
        and not row["written"]
    )


def redeploy(folder: Path) -> dict:
    """Deploy twice into one folder, the second with fewer samples: nothing stale is left."""
    first = run_probe(folder, "deploy fixed.pumice --target lava-sim --out b --samples 4 --run -q")
    listing_first = sorted(p.name for p in (folder / "b").iterdir())
    second = run_probe(folder, "deploy fixed.pumice --target lava-sim --out b --samples 2 -q")
    listing_second = sorted(p.name for p in (folder / "b").iterdir())
    return {
        "item": 7,
        "command": "deploy fixed.pumice --target lava-sim --out b --samples 4 --run; "
        "deploy fixed.pumice --target lava-sim --out b --samples 2",
        "expect": "no results.json after the second deploy",
        "exit_code": second["exit_code"],
        "message": f"first: {listing_first}; second: {listing_second}",
        "passed": first["exit_code"] == 0
        and second["exit_code"] == 0
        and "results.json" in listing_first
        and "results.json" not in listing_second,
    }


def two_trainings(folder: Path) -> dict:
    """Two ``train`` commands into one ``--out`` at once: one trains, one is refused."""
    command = [*PUMICE, "train", "twice.toml", "--out", "twice", "-q"]
    processes = [
        subprocess.Popen(command, cwd=folder, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outcomes = [(process.wait(timeout=900), process.stderr.read()) for process in processes]
    codes = sorted(code for code, _ in outcomes)
    refused = [err.strip().splitlines()[-1] for code, err in outcomes if code == 2 and err.strip()]
    metrics = (folder / "twice" / "metrics.jsonl").read_text().splitlines()
    return {
        "item": 8,
        "command": "train twice.toml --out twice & train twice.toml --out twice",
        "expect": "one exits 0, the other 2 in one line; one line per epoch in metrics.jsonl",
        "exit_code": codes,
        "message": refused[0] if refused else "",
        "metrics_lines": len(metrics),
        "passed": codes == [0, 2] and len(metrics) == 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_inputs(folder)
        with Mounts(folder) as can_mount:
            for item, command in CASES:
                missing = [m for path, m in NEEDS_MOUNT.items() if path in command]
                expect = "ok" if command in SUCCEEDS else "error"
                row = {"item": item, "command": f"pumice {command}", "expect": expect}
                if missing and not can_mount[missing[0]]:
                    rows.append({**row, "skipped": f"cannot mount a {missing[0]} tmpfs here"})
                    continue
                row.update(run_probe(folder, command))
                if command in SUCCEEDS:
                    config = (folder / "run" / "config.toml").read_text()
                    row["config_kept"] = config.startswith("# the user's own comment")
                row["passed"] = judged(row, expect)
                rows.append(row)
                print(f"{'ok ' if row['passed'] else 'BAD'} {row['command']}", flush=True)
            rows.append(redeploy(folder))
            rows.append(two_trainings(folder))
    document = {
        "command": shlex.join(["python", "bench/bad_input_probes.py", *sys.argv[1:]]),
        "python": sys.version.split()[0],
        "as_root": os.geteuid() == 0,
        "passed": sum(bool(row.get("passed")) for row in rows),
        "probes": len(rows),
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out, json.dumps(document, indent=2) + "\n")
    atomic_write_text(args.out.with_suffix(".md"), table(document))
    print(f"{document['passed']} of {document['probes']} probes as expected -> {args.out}")


def table(document: dict) -> str:
    """A Markdown table of the probes: command, exit code and the line printed."""
    lines = [
        f"`{document['command']}`",
        "",
        "| item | command | exit | what it gives now | as expected |",
        "|---|---|---|---|---|",
    ]
    for row in document["rows"]:
        message = row.get("skipped") or row.get("message", "")
        message = message.replace("|", "\\|")
        exit_code = row.get("exit_code", "-")
        passed = "yes" if row.get("passed") else ("skipped" if "skipped" in row else "NO")
        lines.append(f"| {row['item']} | `{row['command']}` | {exit_code} | {message} | {passed} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
