"""Measure what pumice does with damaged model files of every format it reads.

For each format (``.pumice``, lava-dl ``.net``, ``.onnx``, ``.nir``) one small valid file
(a 16-4-3 network with a conv layer in front) is damaged ``--files`` times, half by
truncation at a uniform position, half by XOR-ing 1 to 8 uniformly placed bytes, and read
with ``read_model``. Each outcome is counted: refused in one line by a reader or the
validation, refused by the generic "cannot be decoded" guard of ``read_model`` (with the
decoder's exception type: places where a reader lets a decoding error through), read as
the original model (the damage hit bytes that hold no model content), or read as a
different valid model (a silent change, possible only without a checksum). Not a test.

    python bench/damaged_model_files.py --files 2000
"""

from __future__ import annotations

import argparse
import collections
import json
import platform
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pumice.atomic import atomic_write_text
from pumice.convert.interchange import export_netx, export_nir, export_onnx
from pumice.convert.ir import Conv2d, CubaLIF, Dense, Flatten, Graph, Input, save_graph
from pumice.convert.model_files import read_model
from pumice.errors import ModelError

RESULTS = Path(__file__).resolve().parent / "results" / "damaged_model_files.json"


def network() -> Graph:
    """A small float network: conv 1->2 (3x3, 6x6 input), flatten, dense 32->4->3."""
    rng = np.random.default_rng(0)

    def lif(shape):
        return CubaLIF(shape, 1.0, 0.2, 0.1, np.zeros(1))

    return Graph.chain(
        [
            ("input", Input((1, 6, 6))),
            ("conv", Conv2d(rng.normal(0, 0.5, (2, 1, 3, 3)), padding=(0, 0))),
            ("conv_lif", lif((2, 4, 4))),
            ("flatten", Flatten()),
            ("fc1", Dense(rng.normal(0, 0.3, (4, 32)))),
            ("fc1_lif", lif((4,))),
            ("fc2", Dense(rng.normal(0, 0.5, (3, 4)))),
            ("fc2_lif", lif((3,))),
        ],
        metadata={"steps": 5},
    )


WRITERS = {
    ".pumice": save_graph,
    ".net": export_netx,
    ".onnx": export_onnx,
    ".nir": export_nir,
}


def damage(data: bytes, rng: np.random.Generator) -> bytes:
    """Truncate at a uniform position (half the time) or XOR 1 to 8 uniform bytes."""
    if rng.random() < 0.5:
        return data[: int(rng.integers(0, len(data)))]
    damaged = bytearray(data)
    positions = rng.choice(len(data), size=int(rng.integers(1, 9)), replace=False)
    for position in positions:
        damaged[position] ^= int(rng.integers(1, 256))
    return bytes(damaged)


def same_model(a: Graph, b: Graph) -> bool:
    """Same nodes with equal fields (arrays compared by value)."""
    if list(a.nodes) != list(b.nodes) or a.edges != b.edges:
        return False
    for name, node in a.nodes.items():
        other = b.nodes[name]
        if type(other) is not type(node):
            return False
        for key, value in vars(node).items():
            if not np.array_equal(np.asarray(getattr(other, key)), np.asarray(value)):
                return False
    return True


def outcome(path: Path, original: Graph) -> str:
    """How ``read_model`` treated the damaged file at ``path``."""
    try:
        graph = read_model(path)
    except ModelError as exc:
        message = str(exc)
        if "\n" in message or str(path) not in message:
            return "refused, but not in one line naming the file"
        if "its decoder took more than" in message:
            return "refused: the decoder ran past the time limit"
        if "its decoder crashed" in message:
            return f"refused: the decoder crashed ({message.split('crashed (')[1].split(')')[0]})"
        if "cannot be decoded (" in message:
            return f"refused by the decode guard ({message.split('(')[1].split(':')[0]})"
        return "refused by a reader or the validation"
    return "read: the original model" if same_model(graph, original) else "read: a changed model"


def measure(files: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for suffix, write in WRITERS.items():
            clean = Path(folder) / f"clean{suffix}"
            write(network(), clean)
            original = read_model(clean)
            data = clean.read_bytes()
            counts: collections.Counter[str] = collections.Counter()
            started = time.perf_counter()
            for _ in range(files):
                path = Path(folder) / f"damaged{suffix}"
                damaged = damage(data, rng)
                path.write_bytes(damaged)
                counts[outcome(path, original)] += 1
                assert path.read_bytes() == damaged, "read_model changed its input"
            results[suffix] = {
                "file_bytes": len(data),
                "damaged_files": files,
                "outcomes": dict(counts.most_common()),
                "ms_per_file": 1e3 * (time.perf_counter() - started) / files,
            }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000, help="damaged files per format")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    report = {
        "command": shlex.join(["python", "bench/damaged_model_files.py", *sys.argv[1:]]),
        "python": platform.python_version(),
        "formats": measure(args.files, args.seed),
    }
    atomic_write_text(args.out, json.dumps(report, indent=2) + "\n")
    for suffix, result in report["formats"].items():
        print(f"{suffix}: {result['file_bytes']} bytes, {result['damaged_files']} damaged")
        for what, count in result["outcomes"].items():
            print(f"  {count:6d}  {what}")


if __name__ == "__main__":
    main()
