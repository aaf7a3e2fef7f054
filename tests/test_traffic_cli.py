"""``pumice report``: runs digits samples, writes the traffic JSON and PNG, prints a summary."""

from __future__ import annotations

import json

import numpy as np

from pumice.cli import main
from pumice.convert.emulator import emulate
from pumice.convert.hardware import load_profile
from pumice.convert.ir import (
    FixedConv2d,
    FixedCubaLIF,
    FixedDense,
    Flatten,
    Graph,
    Input,
    save_graph,
)
from pumice.convert.ir.windows import run_input
from pumice.convert.mapping import map_graph
from pumice.convert.traffic import traffic_report
from pumice.model_inputs import load_inputs


def digits_model(path) -> Graph:
    rng = np.random.default_rng(0)

    def lif(shape):
        return FixedCubaLIF(shape=shape, du=1024, dv=512, vth=60, bias_mant=np.zeros(shape, int))

    graph = Graph.chain(
        [
            ("input", Input((1, 8, 8))),
            ("conv_synapse", FixedConv2d(rng.integers(-40, 120, (4, 1, 3, 3)), padding=(1, 1))),
            ("conv", lif((4, 8, 8))),
            ("flatten", Flatten()),
            ("dense1_synapse", FixedDense(rng.integers(-60, 120, (32, 256)))),
            ("dense1", lif((32,))),
            ("dense2_synapse", FixedDense(rng.integers(-80, 160, (10, 32)))),
            ("dense2", lif((10,))),
        ],
        metadata={"steps": 16, "data": {"name": "digits", "max_rate": 1.0}},
    )
    save_graph(graph, path)
    return graph


def test_report_command_writes_the_report_of_the_models_own_run(tmp_path, capsys):
    graph = digits_model(tmp_path / "m.pumice")
    code = main(
        [
            "-q",
            "report",
            str(tmp_path / "m.pumice"),
            "--profile",
            "loihi1",
            "--samples",
            "20",
            "--json",
            str(tmp_path / "r.json"),
            "--png",
            str(tmp_path / "r.png"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    written = json.loads((tmp_path / "r.json").read_text())
    spikes, _ = load_inputs(graph, samples=20)
    padded, _ = run_input(graph, spikes)  # a hand-made graph: Lava's T steps, no lag
    trains = {"input": padded, **emulate(graph, padded, record_spikes=True).spikes}
    hw = load_profile("loihi1")
    expected = traffic_report(graph, map_graph(graph, hw), trains, hw)
    assert {key: written[key] for key in expected} == json.loads(json.dumps(expected))
    assert written["backend"] == "emulator" and written["steps"] == 16
    assert written["synaptic_ops_total"] > 0
    per_inference = written["synaptic_ops_total"] / 20
    line = next(line for line in out.splitlines() if line.startswith("synaptic ops / inference"))
    assert line.split()[-1] == f"{per_inference:,.1f}"
    acs = written["neurobench"]["synaptic_operations"]["effective_acs"]
    assert acs == per_inference  # both: one per spike per present synapse, over the run
    line = next(line for line in out.splitlines() if line.startswith("NeuroBench synaptic"))
    assert f"{acs:,.1f} ACs" in line
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_command_unknown_profile_is_a_one_line_error(tmp_path, capsys):
    digits_model(tmp_path / "m.pumice")
    assert main(["report", str(tmp_path / "m.pumice"), "--profile", "loihi9"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "loihi9" in err
