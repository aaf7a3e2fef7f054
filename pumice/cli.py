"""``pumice`` command line: train, convert, run, map, report, deploy, demo.

Every command calls a Python function (:mod:`pumice.pipeline`, :mod:`pumice.conversion`,
:mod:`pumice.hardware_report`, :mod:`pumice.deployment`). Problems with the user's input
end in a one-line ``pumice: error: ...`` and exit code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import sys

from pumice.convert.steps.registry import STANDARD_STEPS
from pumice.errors import PumiceError
from pumice.inference import BACKENDS


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len(key) for key, _ in rows)
    return "\n".join(f"{key:<{width}}  {value}" for key, value in rows)


def _spikes(per_neuron: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.3f}" for name, value in per_neuron.items()) or "-"


def _cmd_train(args: argparse.Namespace) -> None:
    from pumice.pipeline import MODEL_FILE, train_model

    result = train_model(args.config, args.out, resume=args.resume, progress=not args.quiet)
    print(
        _table(
            [
                ("test accuracy", f"{result.test_accuracy:.4f}"),
                ("spikes/neuron", _spikes(result.test_spikes_per_neuron)),
                ("model", str(args.out / MODEL_FILE)),
                ("metrics", str(args.out / "metrics.jsonl")),
            ]
        )
    )


def _cmd_convert(args: argparse.Namespace) -> None:
    from pumice.conversion import ConversionConfig, convert, format_steps, write_report

    config = ConversionConfig(
        model=args.model,
        out=args.out,
        bits=args.bits,
        calibrate=args.calibrate,
        root=args.root,
        calibration_samples=args.calibration_samples,
        prune=args.prune,
        leak=args.leak,
        profile=args.profile,
        max_isi=args.max_isi,
        isi_tolerance=args.isi_tolerance,
        scale=args.scale,
        keep_intermediate=args.keep_intermediate,
        start=args.start,
        stop=args.stop,
    )
    _, report = convert(config)
    print(format_steps(report))
    if args.json is not None:
        write_report(report, args.json)


def _cmd_run(args: argparse.Namespace) -> None:
    from pumice.pipeline import run_model

    report = run_model(
        args.model,
        args.backend,
        args.data,
        root=args.root,
        split=args.split,
        samples=args.samples,
        seed=args.seed,
        steps=args.steps,
        max_rate=args.max_rate,
        json_path=args.json,
        progress=not args.quiet,
        device=args.device,
    )
    print(
        _table(
            [
                ("backend", report.backend),
                ("samples", str(report.samples)),
                ("steps", str(report.steps)),
                ("accuracy", f"{report.accuracy:.4f}"),
                ("spikes/neuron", _spikes(report.spikes_per_neuron)),
                ("wall (s)", f"{report.wall_s:.2f}"),
            ]
        )
    )


def _cmd_demo(args: argparse.Namespace) -> None:
    from pumice.pipeline import demo

    summary = demo(args.out, lava_samples=args.lava_samples, progress=not args.quiet)
    spikes = summary["spikes_per_neuron"]
    print()
    print(f"{'':<12}{'accuracy':>10}  {'samples':>7}  spikes/neuron")
    print(
        f"{'float':<12}{summary['float_accuracy']:>10.4f}  {summary['test_samples']:>7}  "
        f"{_spikes(spikes['float'])}"
    )
    print(
        f"{'fixed point':<12}{summary['fixed_point_accuracy']:>10.4f}  "
        f"{summary['test_samples']:>7}  {_spikes(spikes['fixed_point'])}"
    )
    print(
        f"{'lava':<12}{summary['lava_accuracy']:>10.4f}  {summary['lava_samples']:>7}  "
        f"{_spikes(spikes['lava'])}"
    )
    print(f"\nLava predictions equal the emulator's: {summary['lava_matches_emulator']}")
    print(f"summary: {args.out / 'demo.json'}")


def _cmd_map(args: argparse.Namespace) -> None:
    import json

    from pumice.atomic import atomic_write_text
    from pumice.hardware_report import map_model

    mapping = map_model(args.model, args.profile)
    print(mapping.format_table())
    if args.json is not None:
        atomic_write_text(args.json, json.dumps(mapping.to_json(), indent=2) + "\n")


def _cmd_report(args: argparse.Namespace) -> None:
    import json

    from pumice.atomic import atomic_write_text
    from pumice.convert.traffic import format_report, plot_report
    from pumice.hardware_report import report_model

    _, report = report_model(
        args.model,
        args.profile,
        args.data,
        root=args.root,
        split=args.split,
        samples=args.samples,
        seed=args.seed,
        backend=args.backend,
        progress=not args.quiet,
        device=args.device,
    )
    print(format_report(report))
    print(f"run {report['run_s']:.2f} s ({args.backend}), report {report['report_s']:.2f} s")
    if args.json is not None:
        atomic_write_text(args.json, json.dumps(report, indent=2) + "\n")
    if args.png is not None:
        plot_report(report, args.png)


def _cmd_deploy(args: argparse.Namespace) -> None:
    from pumice.deployment import deploy_model

    manifest = deploy_model(
        args.model,
        args.out,
        args.target,
        data=args.data,
        root=args.root,
        samples=args.samples,
        run=args.run,
    )
    rows = [("bundle", str(args.out)), ("target", manifest["target"])]
    rows += [("files", ", ".join(manifest["files"])), ("samples", str(manifest["samples"]))]
    if "results" in manifest:
        results = manifest["results"]
        rows += [
            ("accuracy", f"{results['accuracy']:.4f}"),
            ("spikes/neuron", _spikes(results["spikes_per_neuron"])),
        ]
    print(_table(rows))


DEVICE_HELP = "emulator device: cpu (compiled kernels, default) or a torch device such as cuda"

#: Conversion steps ``--from``/``--to`` accept (``load`` and ``write`` always run).
STEP_CHOICES = tuple(name for name in STANDARD_STEPS if name not in ("load", "write"))
STEP_LIST = ", ".join(STEP_CHOICES)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pumice`` command."""
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="pumice", description=__doc__.splitlines()[0])
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a SLAYER network from a TOML config")
    train.add_argument("config", type=Path)
    train.add_argument("--out", type=Path, required=True, help="run directory")
    train.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    train.set_defaults(func=_cmd_train)

    convert = commands.add_parser("convert", help="quantise a float model to Loihi fixed point")
    convert.add_argument("model", type=Path)
    convert.add_argument("--out", type=Path, required=True, help="fixed-point model file")
    convert.add_argument("--bits", type=int, default=8, help="weight bits, 1..8 (default 8)")
    convert.add_argument("--calibrate", metavar="DATA", help="calibrate steps on DATA's val split")
    convert.add_argument("--root", help="directory holding the calibration dataset's files")
    convert.add_argument("--calibration-samples", type=int, default=256)
    convert.add_argument("--prune", type=float, help="fraction of each layer's weights to prune")
    convert.add_argument(
        "--leak", choices=("multiply", "shift"), default="multiply", help="shift: power-of-2 leaks"
    )
    convert.add_argument("--profile", help="hardware profile to check: loihi1, loihi2 or a .toml")
    convert.add_argument(
        "--scale",
        type=int,
        default=64,
        help="integer units per threshold unit, a power of two (default 64, SLAYER's)",
    )
    convert.add_argument(
        "--max-isi", type=int, help="ISI synapses: largest ISI to bin (default: steps + 1)"
    )
    convert.add_argument(
        "--isi-tolerance",
        type=float,
        default=0.0,
        help="ISI synapses: drop trailing bins whose float weights are all below this",
    )
    convert.add_argument("--json", type=Path, help="write the step report here")
    convert.add_argument(
        "--keep-intermediate",
        type=Path,
        metavar="DIR",
        help="write the graph after every step into DIR (NN_<step>.pumice, each runnable)",
    )
    convert.add_argument(
        "--from",
        dest="start",
        metavar="STEP",
        choices=STEP_CHOICES,
        help=f"start at this step (MODEL is the graph the step before wrote): {STEP_LIST}",
    )
    convert.add_argument(
        "--to",
        dest="stop",
        metavar="STEP",
        choices=STEP_CHOICES,
        help="stop after this step; --out gets the graph as it leaves it",
    )
    convert.set_defaults(func=_cmd_convert)

    run = commands.add_parser("run", help="run a model on the emulator or on Lava")
    run.add_argument("model", type=Path)
    run.add_argument("--backend", choices=BACKENDS, default="emulator")
    run.add_argument("--data", help="dataset name or .npz file (default: the training data)")
    run.add_argument("--root", help="directory holding the dataset files")
    run.add_argument("--split", default="test", choices=("train", "val", "test"))
    run.add_argument("--samples", type=int, help="first N samples of the split (default: all)")
    run.add_argument("--seed", type=int, default=0, help="seed of the rate encoding")
    run.add_argument("--steps", type=int, help="time steps T (default: the model's training T)")
    run.add_argument("--max-rate", type=float, help="rate-coding maximum (default: training's)")
    run.add_argument("--json", type=Path, help="write the report here")
    run.add_argument("--device", default="cpu", help=DEVICE_HELP)
    run.set_defaults(func=_cmd_run)

    map_ = commands.add_parser("map", help="assign a fixed-point model's neurons to cores")
    map_.add_argument("model", type=Path)
    map_.add_argument("--profile", required=True, help="loihi1, loihi2 or a .toml profile")
    map_.add_argument("--json", type=Path, help="write the mapping here")
    map_.set_defaults(func=_cmd_map)

    report = commands.add_parser("report", help="per-core spike traffic and energy of a run")
    report.add_argument("model", type=Path)
    report.add_argument("--profile", required=True, help="loihi1, loihi2 or a .toml profile")
    report.add_argument("--data", help="dataset name or .npz file (default: the training data)")
    report.add_argument("--root", help="directory holding the dataset files")
    report.add_argument("--split", default="test", choices=("train", "val", "test"))
    report.add_argument("--samples", type=int, default=100, help="first N samples (default 100)")
    report.add_argument("--seed", type=int, default=0, help="seed of the rate encoding")
    report.add_argument("--backend", choices=BACKENDS, default="emulator")
    report.add_argument("--json", type=Path, help="write the report here")
    report.add_argument("--png", type=Path, help="save the traffic heatmap and spike raster here")
    report.add_argument("--device", default="cpu", help=DEVICE_HELP)
    report.set_defaults(func=_cmd_report)

    deploy = commands.add_parser("deploy", help="write a bundle that runs on Loihi 2 or Lava")
    deploy.add_argument("model", type=Path, help="fixed-point model")
    deploy.add_argument("--target", choices=("loihi2", "lava-sim"), default="loihi2")
    deploy.add_argument("--out", type=Path, required=True, help="bundle directory")
    deploy.add_argument("--data", help="dataset of the bundled inputs (default: training data)")
    deploy.add_argument("--root", help="directory holding the dataset files")
    deploy.add_argument("--samples", type=int, default=20, help="test samples to bundle")
    deploy.add_argument("--run", action="store_true", help="run the bundle now")
    deploy.set_defaults(func=_cmd_deploy)

    demo = commands.add_parser("demo", help="train on digits, convert, run on emulator and Lava")
    demo.add_argument("--out", type=Path, default=Path("runs/demo"))
    demo.add_argument("--lava-samples", type=int, default=50)
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pumice`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except PumiceError as exc:
        print(f"pumice: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pumice: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
