"""``pumice`` command line: train, convert, run, map, report, deploy, demo.

Every command calls a Python function (:mod:`pumice.pipeline`, :mod:`pumice.conversion`,
:mod:`pumice.hardware_report`, :mod:`pumice.deployment`). The options that choose a model
(``--dt``) and its data (``--data``, ``--split``, ``--samples``, ...) are declared once
here and mean the same in every command (:mod:`pumice.model_inputs`). Problems with the
user's input, the options included, end in a one-line ``pumice: error: ...`` and exit
code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

from pumice.atomic import os_error_in
from pumice.convert.steps.registry import STANDARD_STEPS
from pumice.errors import PumiceError
from pumice.inference import BACKENDS
from pumice.model_inputs import SPLITS
from pumice.number_options import (
    COUNT,
    FRACTION,
    MAGNITUDE,
    RATE,
    SCALE,
    SECONDS,
    SEED,
    WEIGHT_BITS,
)

#: Exit code of a bad input or option.
USAGE_ERROR = 2
#: The DataOptions fields the data options fill (besides the data and sample count).
_DATA_FIELDS = ("root", "split", "seed", "steps", "max_rate")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option in the CLI's one line and exit code 2."""

    def error(self, message: str):  # noqa: D102 - argparse's hook
        print(f"pumice: error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(USAGE_ERROR)


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len(key) for key, _ in rows)
    return "\n".join(f"{key:<{width}}  {value}" for key, value in rows)


def _spikes(per_neuron: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.3f}" for name, value in per_neuron.items()) or "-"


@contextlib.contextmanager
def _third_party_noise(quiet: bool):
    """Keep what lava-dl and torch print at import (a Prophesee toolbox warning, "No CUDA
    runtime is found") off stdout: on stderr, or nowhere with ``-q``."""
    if not quiet:
        with contextlib.redirect_stdout(sys.stderr):
            yield
        return
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield


def _import_training(quiet: bool) -> None:
    with _third_party_noise(quiet):
        import lava.lib.dl.slayer  # noqa: F401  (prints its warning once, at import)


def _data_options(args: argparse.Namespace) -> dict:
    """The data options of ``args`` as :class:`~pumice.model_inputs.DataOptions` fields."""
    return {field: getattr(args, field) for field in _DATA_FIELDS}


def _cmd_train(args: argparse.Namespace) -> None:
    from pumice.pipeline import MODEL_FILE, check_train_outputs, train_model

    check_train_outputs(args.config, args.out, args.resume)
    _import_training(args.quiet)
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
    from pumice.conversion import ConversionConfig, convert, format_steps

    if args.calibrate is None:
        chosen = ("root", "split", "steps", "max_rate", "calibration_samples")
        given = [key for key in chosen if getattr(args, key) is not None]
        if given:
            flag = "--" + given[0].replace("_", "-")
            raise PumiceError(f"{flag} chooses calibration data: add --calibrate DATA or drop it")
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
        **_model_options(args),
    )
    options = {key: value for key, value in _data_options(args).items() if key != "root"}
    _, report = convert(config, json_path=args.json, **options)
    print(format_steps(report))


def _cmd_run(args: argparse.Namespace) -> None:
    from pumice.pipeline import run_model

    report = run_model(
        args.model,
        args.backend,
        args.data,
        samples=args.samples,
        json_path=args.json,
        spikes_path=args.spikes,
        progress=not args.quiet,
        device=args.device,
        **_model_options(args),
        **_data_options(args),
    )
    steps = str(report.steps)
    if report.model_steps is not None and report.model_steps != report.steps:
        steps += f" (the model was trained with {report.model_steps})"
    rows = [
        ("backend", report.backend),
        ("data", report.data),
        ("samples", str(report.samples)),
        ("steps", steps),
        ("accuracy", f"{report.accuracy:.4f}"),
        ("spikes/neuron", _spikes(report.spikes_per_neuron)),
        ("wall (s)", f"{report.wall_s:.2f}"),
    ]
    rows += [(name, str(path)) for name, path in (("json", args.json), ("spikes", args.spikes))]
    print(_table([(key, value) for key, value in rows if value not in (None, "None")]))


def _cmd_demo(args: argparse.Namespace) -> None:
    from pumice.pipeline import check_train_outputs, demo

    check_train_outputs(None, args.out, resume=True)
    _import_training(args.quiet)
    summary = demo(args.out, lava_samples=args.lava_samples, progress=not args.quiet)
    print()
    print(format_demo_table(summary))
    print(f"summary: {args.out / 'demo.json'}")


def format_demo_table(summary: dict) -> str:
    """The table ``pumice demo`` prints (and the README quotes) for a demo summary."""
    spikes = summary["spikes_per_neuron"]
    lines = [
        f"{'':<12}{'accuracy':>10}  {'samples':>7}  spikes/neuron",
        f"{'float':<12}{summary['float_accuracy']:>10.4f}  {summary['test_samples']:>7}  "
        f"{_spikes(spikes['float'])}",
        f"{'fixed point':<12}{summary['fixed_point_accuracy']:>10.4f}  "
        f"{summary['test_samples']:>7}  {_spikes(spikes['fixed_point'])}",
        f"{'lava':<12}{summary['lava_accuracy']:>10.4f}  {summary['lava_samples']:>7}  "
        f"{_spikes(spikes['lava'])}",
        "",
        f"Lava predictions equal the emulator's: {summary['lava_matches_emulator']}",
    ]
    return "\n".join(lines)


def _cmd_map(args: argparse.Namespace) -> None:
    from pumice.hardware_report import map_model

    mapping = map_model(args.model, args.profile, json_path=args.json, **_model_options(args))
    print(mapping.format_table())


def _cmd_report(args: argparse.Namespace) -> None:
    from pumice.convert.traffic import format_report
    from pumice.hardware_report import report_model

    _, report = report_model(
        args.model,
        args.profile,
        args.data,
        backend=args.backend,
        json_path=args.json,
        png_path=args.png,
        progress=not args.quiet,
        device=args.device,
        samples=args.samples,
        **_model_options(args),
        **_data_options(args),
    )
    print(format_report(report))
    print(f"run {report['run_s']:.2f} s ({args.backend}), report {report['report_s']:.2f} s")


def _cmd_deploy(args: argparse.Namespace) -> None:
    from pumice.deployment import deploy_model

    manifest = deploy_model(
        args.model,
        args.out,
        args.target,
        args.data,
        run=args.run,
        samples=args.samples,
        **_model_options(args),
        **_data_options(args),
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
_MODEL_HELP = "model file: .pumice, lava-dl .net, .onnx or .nir"


def _add_quiet(parser: argparse.ArgumentParser, default=argparse.SUPPRESS) -> None:
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="no progress bars"
    )


def _shape(text: str) -> tuple[int, ...]:
    """``C,H,W`` (or ``N``) as a tuple of positive ints, for ``--input-shape``."""
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        shape = ()
    if not shape or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"must be positive integers like 2,34,34, got '{text}'")
    return shape


def _add_model(parser: argparse.ArgumentParser, help_text: str = _MODEL_HELP) -> None:
    parser.add_argument("model", type=Path, help=help_text)
    group = parser.add_argument_group("reading the model")
    group.add_argument(
        "--dt",
        type=SECONDS,
        metavar="SECONDS",
        help="seconds per step a NIR model is read at (snnTorch writes 1e-4; "
        "default: the NIR reader's 1e-3); NIR files only",
    )
    group.add_argument(
        "--input-shape",
        type=_shape,
        metavar="C,H,W",
        help="input shape of a lava-dl .net that starts with a conv layer and has no "
        "input layer; .net files only",
    )


def _model_options(args: argparse.Namespace) -> dict:
    """The model-reading options of ``args`` (``read_model``'s keywords)."""
    return {"dt": args.dt, "input_shape": args.input_shape}


def _add_data(
    parser: argparse.ArgumentParser,
    *,
    data_flag: str = "--data",
    samples_flag: str = "--samples",
    samples_help: str,
    split_help: str,
) -> None:
    group = parser.add_argument_group("data (the same in run, report, deploy and convert)")
    if data_flag == "--data":
        group.add_argument(
            "--data",
            metavar="NAME|FILE.npz",
            help="dataset name or a .npz of spikes x (samples, *input shape, steps) and "
            "labels y (default: the data the model was trained on)",
        )
    group.add_argument("--root", metavar="DIR", help="directory holding a named dataset's files")
    group.add_argument("--split", choices=SPLITS, help=split_help)
    group.add_argument(samples_flag, type=COUNT, metavar="N", help=samples_help)
    group.add_argument(
        "--seed", type=SEED, default=0, help="seed of the rate encoding, 0..2**32-1 (default 0)"
    )
    group.add_argument(
        "--steps",
        type=COUNT,
        metavar="T",
        help="time steps of intensity data (default: the model's training T); spike data "
        "(.npz) gives T itself",
    )
    group.add_argument(
        "--max-rate",
        type=RATE,
        metavar="P",
        help="rate coding's largest spike probability per step, in (0, 1] "
        "(default: the training's)",
    )


_SPLIT_HELP = (
    "run one deterministic part of the data (default: a named dataset's test split; "
    "a .npz of your own whole)"
)


def _add_backend(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="emulator",
        help="emulator (pumice's, batched) or lava (Loihi2SimCfg fixed_pt); default emulator",
    )


def _add_device(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="cpu", metavar="DEVICE", help=DEVICE_HELP)


def _add_profile(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument(
        "--profile",
        required=required,
        metavar="PROFILE",
        help="hardware profile: loihi1, loihi2 or a .toml file",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pumice`` command."""
    parser = _Parser(prog="pumice", description=__doc__.splitlines()[0])
    _add_quiet(parser, default=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _add_quiet(sub)
        return sub

    train = command("train", "train a SLAYER network from a TOML config")
    train.add_argument("config", type=Path, help="training config (.toml; see configs/)")
    train.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="run folder: config.toml, metrics.jsonl, checkpoint.pt, result.json, model.pumice",
    )
    train.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    train.set_defaults(func=_cmd_train)

    convert = command("convert", "quantise a model to Loihi fixed point and write it")
    _add_model(convert)
    convert.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE",
        help="converted model; its suffix picks the format: .pumice, .net (lava-dl netx), "
        ".onnx or .nir (float graphs, with --to before quantize)",
    )
    convert.add_argument(
        "--bits", type=WEIGHT_BITS, default=8, help="weight bits, 1..8 (default 8)"
    )
    convert.add_argument(
        "--calibrate",
        metavar="NAME|FILE.npz",
        help="calibrate weight steps on this data (a named dataset's val split, a .npz whole)",
    )
    _add_data(
        convert,
        data_flag="--calibrate",
        samples_flag="--calibration-samples",
        samples_help="calibration samples: the first N (default: up to 256)",
        split_help="calibrate on one part of the data (default: a named dataset's val "
        "split; a .npz of your own whole)",
    )
    convert.add_argument(
        "--prune", type=FRACTION, metavar="FRACTION", help="prune this fraction, in [0, 1)"
    )
    convert.add_argument(
        "--leak",
        choices=("multiply", "shift"),
        default="multiply",
        help="multiply: Lava's LIF decays (default); shift: power-of-two leaks",
    )
    _add_profile(convert, required=False)
    convert.add_argument(
        "--scale",
        type=SCALE,
        default=64,
        help="integer units per threshold unit, a power of two (default 64, SLAYER's)",
    )
    convert.add_argument(
        "--max-isi",
        type=COUNT,
        metavar="K",
        help="ISI synapses: largest ISI to bin (default: steps + 1)",
    )
    convert.add_argument(
        "--isi-tolerance",
        type=MAGNITUDE,
        default=0.0,
        metavar="X",
        help="ISI synapses: drop trailing bins whose float weights are all below this",
    )
    convert.add_argument("--json", type=Path, metavar="FILE", help="write the step report here")
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

    run = command("run", "run a model on the emulator or on Lava and score it")
    _add_model(run)
    _add_backend(run)
    _add_device(run)
    _add_data(run, samples_help="the first N samples (default: all)", split_help=_SPLIT_HELP)
    run.add_argument("--json", type=Path, metavar="FILE", help="write the report here")
    run.add_argument(
        "--spikes",
        type=Path,
        metavar="FILE.npz",
        help="write every neuron layer's spike trains (samples, *shape, steps) by layer "
        "name, plus output, labels and predictions",
    )
    run.set_defaults(func=_cmd_run)

    map_ = command("map", "assign a fixed-point model's neurons to cores")
    _add_model(map_)
    _add_profile(map_, required=True)
    map_.add_argument("--json", type=Path, metavar="FILE", help="write the mapping here")
    map_.set_defaults(func=_cmd_map)

    report = command("report", "per-core spike traffic and energy of a run")
    _add_model(report)
    _add_profile(report, required=True)
    _add_backend(report)
    _add_device(report)
    _add_data(
        report, samples_help="the first N samples (default: up to 100)", split_help=_SPLIT_HELP
    )
    report.add_argument("--json", type=Path, metavar="FILE", help="write the report here")
    report.add_argument(
        "--png", type=Path, metavar="FILE", help="save the traffic heatmap and spike raster here"
    )
    report.set_defaults(func=_cmd_report)

    deploy = command("deploy", "write a bundle that runs on Loihi 2 or Lava")
    _add_model(deploy, "fixed-point model file: .pumice, lava-dl .net, .onnx or .nir")
    deploy.add_argument(
        "--target",
        choices=("loihi2", "lava-sim"),
        default="loihi2",
        help="loihi2 (Loihi2HwCfg, needs lava-loihi) or lava-sim (Loihi2SimCfg); default loihi2",
    )
    deploy.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="bundle folder: new, empty, or an earlier bundle (replaced whole)",
    )
    _add_data(
        deploy,
        samples_help="samples to bundle: the first N (default: up to 20)",
        split_help=_SPLIT_HELP,
    )
    deploy.add_argument("--run", action="store_true", help="run the bundle now")
    deploy.set_defaults(func=_cmd_deploy)

    demo = command("demo", "train on digits, convert, run on emulator and Lava")
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("runs/demo"),
        metavar="DIR",
        help="run folder, reused when it holds a finished demo (default runs/demo)",
    )
    demo.add_argument(
        "--lava-samples",
        type=COUNT,
        default=50,
        metavar="N",
        help="test samples to run on Lava (default 50)",
    )
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pumice`` command; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        args.func(args)
    except PumiceError as exc:
        print(f"pumice: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return USAGE_ERROR
    except (OSError, ValueError) as exc:  # a write refused outside pumice's own writers
        error = os_error_in(exc)
        if error is None:
            raise
        where = f"'{error.filename}'" if error.filename else "an output"
        print(f"pumice: error: cannot write {where}: {error.strerror or error}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("pumice: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
