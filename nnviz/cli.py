"""The ``nnviz`` command: the app with no arguments or a project file, headless commands with one.

    nnviz [PROJECT.nnviz]                        open the app (the project in it)
    nnviz summary PROJECT.nnviz                  the network, its data set and training settings
    nnviz train PROJECT.nnviz --epochs 50 --out trained.nnviz
    nnviz export trained.nnviz --format onnx -o model.onnx
    nnviz install-desktop [--user | --system]    a menu entry, the icon and the .nnviz file type

Exit codes (for scripts): 0 success; 1 the command failed (a damaged project, a file that cannot be
written, a data set that cannot be loaded, ...) — the first line on stderr says why; 2 wrong usage
(unknown command or option, missing argument), as argparse reports it; 130 interrupted with Ctrl+C.
"""

from __future__ import annotations

import argparse
import os
import sys

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

EXPORT_FORMATS = {
    "npz": (".npz", "weights: one NumPy array per weight, keyed <layer>/<weight>"),
    "h5": (".weights.h5", "weights in Keras 3's .weights.h5 layout (keras.Model.load_weights reads it)"),
    "json": (".json", "weights as human-readable JSON"),
    "onnx": (".onnx", "the whole network as an ONNX graph (input 'input', output 'output')"),
    "keras": (".keras", "the whole network as a Keras 3 model file (keras.saving.load_model opens it)"),
    "pytorch": (".py", "a stand-alone PyTorch script that rebuilds the network with its weights"),
}


class CommandError(Exception):
    """A failure to report on stderr with exit code 1."""


def _build_parser() -> argparse.ArgumentParser:
    from nnviz import __version__

    parser = argparse.ArgumentParser(
        prog="nnviz",
        description="Draw, train and step through small neural networks. Without a command, or with a project "
                    "file (nnviz [PROJECT.nnviz]), opens the app.",
        epilog="exit codes: 0 success, 1 the command failed (reason on stderr), 2 usage error, 130 interrupted",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"nnviz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("summary", help="print a project's network, data set and training settings",
                       description="Print a project's network (Keras-style summary), data set and training settings.")
    p.add_argument("project", metavar="PROJECT", help="a .nnviz project file")

    p = sub.add_parser("train", help="train a project headless, printing Keras' verbose=2 lines",
                       description="Train a project's network on its data set without the GUI, printing one line "
                                   "per epoch as Keras' fit(verbose=2) does, then the test-set score. Training "
                                   "continues from the project's weights when it has any. When training "
                                   "diverges (the loss or weights turn NaN, or the loss explodes or oscillates "
                                   "far above its start) it stops, says which learning rate to try, saves "
                                   "nothing and exits with code 1.")
    p.add_argument("project", metavar="PROJECT", help="a .nnviz project file")
    p.add_argument("--epochs", type=_positive_int, metavar="N",
                   help="epochs to train (default: the project's setting)")
    p.add_argument("--out", metavar="TRAINED.nnviz",
                   help="save the trained project (weights and history) here; without it nothing is saved")
    p.add_argument("--seed", type=_seed, metavar="S",
                   help="seed for weight initialisation, shuffling and dropout (default: the project's seed)")
    p.add_argument("--history-csv", metavar="PATH", help="also write the training history as CSV")
    p.add_argument("--keep-diverging", action="store_true",
                   help="train on when training diverges (a NaN or exploding loss), instead of stopping with exit "
                        "code 1; weights that are not finite are never saved")

    p = sub.add_parser("export", help="export a project's network or weights for other tools",
                       description="Export a project's network or weights.\n\nformats:\n" + "\n".join(
                           f"  {name:<8} {ext:<12} {text}" for name, (ext, text) in EXPORT_FORMATS.items()),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("project", metavar="PROJECT", help="a .nnviz project file")
    p.add_argument("--format", "-f", choices=sorted(EXPORT_FORMATS), metavar="FORMAT",
                   help="one of " + ", ".join(EXPORT_FORMATS) + " (default: from the output file's extension)")
    p.add_argument("-o", "--output", required=True, metavar="PATH", help="the file to write")
    p.add_argument("--opset", type=_positive_int, default=None, metavar="N", help="ONNX opset (default 17)")
    p.add_argument("--part", choices=("model", "encoder", "decoder"), default="model",
                   help="an autoencoder's encoder (input to code) or decoder (code to output) alone; the code layer is "
                        "the one with the fewest outputs unless --code-layer says which (default: the whole model)")
    p.add_argument("--code-layer", type=_seed, default=None, metavar="I", help="index of the code layer for --part")
    p.set_defaults(subparser=p)

    p = sub.add_parser("install-desktop", help="add nnviz to the desktop's menus and open .nnviz files with it",
                       description="Install a launcher (.desktop file), the app icon and the .nnviz file type "
                                   "(application/x-nnviz) for freedesktop.org desktops, so menus list nnviz and "
                                   "file managers open projects in it.")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true",
                       help="for you: under $XDG_DATA_HOME, default ~/.local/share (the default)")
    where.add_argument("--system", action="store_true", help="for every user: under /usr/local/share (needs root)")
    p.add_argument("--remove", action="store_true", help="remove what an earlier install-desktop wrote")
    return parser


def _whole_number(minimum: int):
    """An argparse ``type``: a whole number of at least ``minimum``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


_positive_int, _seed = _whole_number(1), _whole_number(0)


def _format_from_name(path: str) -> str | None:
    name = path.lower()
    for fmt, (ext, _) in sorted(EXPORT_FORMATS.items(), key=lambda kv: -len(kv[1][0])):
        if name.endswith(ext):
            return fmt
    return None


# ============================================================================ commands
def _load(path):
    from nnviz.io.project import ProjectError, load_project

    try:
        project = load_project(path)
    except ProjectError as exc:
        raise CommandError(f"cannot open {path}: {exc}") from None
    from nnviz.io.data_files import relocate_data_file
    project.dataset, note = relocate_data_file(project.dataset, str(path))   # a folder moved with its CSV
    if note:
        print(f"{path}: {note}", file=sys.stderr)
    return project


def _load_dataset(spec):
    from nnviz.core.data import catalog

    if not spec:
        raise CommandError("the project has no data set to train on")
    name, params = spec.get("name"), dict(spec.get("params") or {})
    if name == "csv":
        try:
            __import__("nnviz.io.csv_data")
        except ImportError:
            pass
    try:
        return catalog.load(name, **params)
    except (ValueError, TypeError, OSError) as exc:
        raise CommandError(f"cannot load the data set {name!r}: {exc}") from None


def cmd_summary(args) -> int:
    project = _load(args.project)
    model = project.build_model()
    meta = project.meta
    print(meta.get("title") or os.path.basename(args.project))
    if meta.get("description"):
        print(meta["description"])
    print()
    model.summary()
    ds = project.dataset
    if ds:
        params = ", ".join(f"{k}={v!r}" for k, v in (ds.get("params") or {}).items())
        print(f"Data set: {ds.get('name')}" + (f" ({params})" if params else ""))
    else:
        print("Data set: none")
    t = project.training
    print(f"Training: {t.get('optimizer')} (learning rate {t.get('learning_rate')}), loss {t.get('loss')}, "
          f"batch size {t.get('batch_size')}, {t.get('epochs')} epochs, metrics {', '.join(t.get('metrics') or [])}")
    if project.weights is None:
        print("Weights: none yet (untrained)")
    else:
        print(f"Weights: trained, {model.count_params():,} numbers")
    if project.history:
        epochs = max(len(v) for v in project.history.values())
        last = {k: v[-1] for k, v in project.history.items() if v}
        from nnviz.core.callbacks import format_logs
        print(f"History: {epochs} epochs; last: {format_logs(last)}")
    return EXIT_OK


def _seeded(project, seed):
    """The project with the architecture's seed set (weight initialisation, shuffling and dropout)."""
    from dataclasses import replace

    return replace(project, architecture={**project.architecture, "seed": int(seed)})


def cmd_train(args) -> int:
    from nnviz.core import training
    from nnviz.core.callbacks import DivergenceGuard, format_logs, weights_are_finite
    from nnviz.io.project import Project, save_project

    project = _load(args.project)
    seed = args.seed if args.seed is not None else project.training.get("seed", 0)
    project = _seeded(project, seed)
    config = project.training_config()
    epochs = args.epochs if args.epochs is not None else config.epochs
    if not epochs:
        raise CommandError("the project trains until paused (epochs = 0); give --epochs N")
    dataset = _load_dataset(project.dataset)
    from nnviz.io.perceptron_project import is_perceptron
    if is_perceptron(project):
        return _train_perceptron(project, dataset, epochs, args)
    model = project.build_model()
    history = {k: list(v) for k, v in (project.history or {}).items()}
    initial_epoch = max((len(v) for v in history.values()), default=0) if project.weights is not None else 0
    if project.weights is None:
        history = {}
    # the app's divergence policy: stop, restore the last finite weights, name a learning rate to try
    guard = DivergenceGuard(reference=(dataset.x_train, dataset.y_train), verbose=0)
    try:
        result = training.fit(model, dataset, config, epochs=epochs, verbose=2, initial_epoch=initial_epoch,
                              callbacks=[] if args.keep_diverging else [guard])
    except KeyboardInterrupt:
        print("nnviz: training interrupted; nothing saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ValueError, FloatingPointError) as exc:
        raise CommandError(f"training failed: {exc}") from None
    if guard.divergence is not None:
        raise CommandError(guard.divergence.message("stopped") + (" Nothing was saved." if args.out else ""))
    if args.out and not weights_are_finite(model):
        raise CommandError(f"training diverged: the weights are not finite (NaN or infinity); {args.out} was not "
                           f"written. Try a lower learning rate.")
    for key, values in result.history.items():
        history.setdefault(key, []).extend(values)
    x_test = getattr(dataset, "x_test", None)
    if x_test is not None and len(x_test):
        scores = model.evaluate(x_test, dataset.y_test, verbose=0, return_dict=True)
        print(f"test: {format_logs(scores)}")
    if args.history_csv:
        from nnviz.io.history import save_history_csv
        _write(save_history_csv, history, args.history_csv)
    if args.out:
        trained = Project.from_model(model, project.training, project.dataset, history=history,
                                     meta=project.meta)
        _write(save_project, args.out, trained)
        print(f"saved {args.out}")
    return EXIT_OK


def _train_perceptron(project, dataset, epochs, args) -> int:
    """Rosenblatt's rule, one sample at a time, until an epoch without a mistake (or ``epochs``)."""
    from nnviz.io.perceptron_project import features_of, perceptron_of, with_perceptron

    try:
        perceptron = perceptron_of(project, dataset)
        x, y = features_of(dataset)
    except ValueError as exc:
        raise CommandError(f"cannot train the perceptron: {exc}") from None
    print(perceptron.scheme)
    start = len(perceptron.history.epoch)
    perceptron.fit(x, y, epochs)
    logs = perceptron.history.history
    for i in range(start, len(perceptron.history.epoch)):
        print(f"Epoch {i + 1}/{start + epochs} - mistakes: {int(logs['mistakes'][i])} - "
              f"accuracy: {logs['accuracy'][i]:.4f}")
    print(perceptron.outcome())
    if len(dataset.x_test):
        x_test = dataset.x_test.reshape(len(dataset.x_test), -1)
        print(f"test: accuracy: {perceptron.evaluate(x_test, dataset.y_test)['accuracy']:.4f}")
    if args.history_csv:
        from nnviz.io.history import save_history_csv
        _write(save_history_csv, logs, args.history_csv)
    if args.out:
        from nnviz.io.project import save_project
        _write(save_project, args.out, with_perceptron(project, perceptron))
        print(f"saved {args.out}")
    return EXIT_OK


def _write(function, *args):
    try:
        function(*args)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if reason.startswith("cannot write"):  # atomic_write's own message already names the file
            raise CommandError(reason) from None
        target = next((a for a in args if isinstance(a, (str, os.PathLike))), "the file")
        raise CommandError(f"cannot write {target}: {reason}") from None


def _input_scaling(project, model):
    """The input scaling of the project's data set, to travel with the model into the export (None when
    the data set has none, does not fit the model, or cannot be loaded: then a note says so)."""
    if not project.dataset:
        return None
    from nnviz.io.scaling import scaling_for
    try:
        dataset = _load_dataset(project.dataset)
    except CommandError as exc:
        print(f"nnviz: note: {exc}; exporting without the data set's input scaling", file=sys.stderr)
        return None
    return scaling_for(model, dataset)


def cmd_export(args, parser) -> int:
    fmt = args.format or _format_from_name(args.output)
    if fmt is None:
        parser.error(f"cannot tell the format from {args.output!r}; give --format "
                     f"({', '.join(EXPORT_FORMATS)})")
    ext = EXPORT_FORMATS[fmt][0]
    if not args.output.lower().endswith(ext):
        parser.error(f"--format {fmt} writes a file ending in {ext!r}, but the output is {args.output!r}")
    if args.opset is not None and fmt != "onnx":
        parser.error("--opset only applies to --format onnx")
    project = _load(args.project)
    if project.weights is None:
        print("nnviz: note: the project has no trained weights; exporting its initial weights", file=sys.stderr)
        project = _seeded(project, project.training.get("seed", 0))
    model = project.build_model()
    scaling = _input_scaling(project, model)
    if args.part != "model":
        from nnviz.io.systems_export import export_autoencoder_part
        try:
            _write(export_autoencoder_part, model, args.part, args.output, fmt, args.code_layer, args.opset)
        except ValueError as exc:
            raise CommandError(f"cannot export the {args.part}: {exc}") from None
        print(f"wrote {args.output}")
        return EXIT_OK
    if fmt in ("npz", "h5", "json"):
        from nnviz.io.weights import save_weights
        _write(save_weights, model, args.output, scaling)
    elif fmt == "onnx":
        from nnviz.io.onnx_export import DEFAULT_OPSET, export_onnx
        _write(export_onnx, model, args.output, args.opset or DEFAULT_OPSET, scaling)
    elif fmt == "keras":
        from nnviz.io.keras_export import export_keras
        _write(export_keras, model, args.output, scaling)
    else:
        from nnviz.io.pytorch_export import export_pytorch
        _write(export_pytorch, model, args.output, scaling)
    from nnviz.io.scaling import export_note
    if export_note(fmt, scaling):   # on stderr with the other notes; stdout stays "wrote PATH" for scripts
        print(f"nnviz: note: {os.path.basename(args.output)}: {export_note(fmt, scaling)}", file=sys.stderr)
    print(f"wrote {args.output}")
    return EXIT_OK


def cmd_install_desktop(args) -> int:
    from nnviz import desktop

    home = desktop.data_home(system=args.system)
    try:
        done = desktop.remove(home) if args.remove else desktop.install(home)
    except OSError as exc:
        raise CommandError(f"cannot write under {home}: {exc.strerror or exc}") from None
    for path in done:
        print(("removed " if args.remove else "wrote ") + str(path))
    if not args.remove:
        import shlex
        print(f"the launcher runs: {shlex.join(desktop.launch_command())}")
    return EXIT_OK


# ============================================================================ entry point
COMMANDS = ("summary", "train", "export", "install-desktop")
APP_OPTIONS = ("--open", "--theme", "--no-recovery")


def opens_the_app(argv: list[str]) -> bool:
    """Whether these arguments are the app's (none, a project file, the app's options), not a command."""
    if not argv:
        return True
    first = argv[0]
    if first in COMMANDS:
        return False
    if first.startswith("-"):
        return first.split("=")[0] in APP_OPTIONS
    return first.lower().endswith(".nnviz") or os.path.isfile(first)


def main(argv: list[str] | None = None) -> int:
    """Run the ``nnviz`` command; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if opens_the_app(argv):  # the app (which says so when there is no display to open it on)
        path = argv[0] if argv and not argv[0].startswith("-") else None
        if path and not os.path.isfile(path):
            _report(f"no such project file: {path}")
            return EXIT_FAILURE
        from nnviz.app import main as app_main
        return app_main([sys.argv[0] or "nnviz", *argv]) if argv else app_main()
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help / --version (0) or a usage error (2)
        return int(exc.code or 0)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print("nnviz: error: give a command (summary, train, export, install-desktop), or a project file or no "
              "arguments to open the app", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "summary":
            return cmd_summary(args)
        if args.command == "train":
            return cmd_train(args)
        if args.command == "install-desktop":
            return cmd_install_desktop(args)
        return cmd_export(args, args.subparser)
    except SystemExit as exc:  # parser.error inside a command
        return int(exc.code or 0)
    except KeyboardInterrupt:
        print("nnviz: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except CommandError as exc:
        _report(str(exc))
        return EXIT_FAILURE
    except BrokenPipeError:  # whoever read our output stopped reading (nnviz train ... | head): not an error to tell
        _discard_stdout()
        return EXIT_FAILURE
    except (ValueError, RuntimeError, OSError) as exc:  # ProjectError, WeightsError and the like
        _report(str(exc) or type(exc).__name__)
        return EXIT_FAILURE


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so that Python's final flush of a broken pipe stays quiet too."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # a stdout that is not a file (a test's capture)
        pass


def _report(message: str) -> None:
    """The error on stderr: one line (``nnviz: error: ...``), with any details indented below it."""
    first, *rest = message.splitlines() or [""]
    print(f"nnviz: error: {first}", file=sys.stderr)
    for line in rest:
        print(f"  {line.strip()}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
