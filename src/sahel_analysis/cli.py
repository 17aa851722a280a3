"""The ``sahel-analysis`` command: ``build`` briefings, ``list`` notebooks, ``init`` a notebook folder."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sahel_analysis import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sahel-analysis",
        description="Run the sahel-analysis notebooks headless and render HTML briefings.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="execute notebooks and render HTML briefings into OUT")
    b.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="names or paths (default: all)")
    b.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a parameter; VALUE is read as YAML (e.g. 2021-06-01, [gao, kidal], None)",
    )
    b.add_argument(
        "-f",
        "--parameters-file",
        type=Path,
        action="append",
        default=[],
        metavar="PARAMS.yaml",
        help="a YAML mapping of parameters; each file builds a variant named after it (repeatable)",
    )
    b.add_argument("-o", "--output", type=Path, default=Path("site"), metavar="OUT", help="default: site/")
    b.add_argument(
        "--lang",
        action="append",
        default=[],
        metavar="LANG",
        help="the pages' language: en (into OUT) or fr (into OUT/fr/); repeat it for both in one run "
        "(default: en)",
    )
    b.add_argument(
        "-j", "--jobs", type=int, default=None, metavar="JOBS", help="parallel kernels (default: cores)"
    )
    b.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    b.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="seconds a cell may run before its notebook fails (default: 600; "
        "a parameter file's `timeout:` for its notebooks)",
    )
    b.add_argument(
        "--profile",
        action="store_true",
        default=bool(os.environ.get("SAHEL_ANALYSIS_PROFILE")),
        help="time each phase of each notebook; print the table, keep it in OUT/.state/profile.json",
    )
    ls = sub.add_parser("list", help="list notebooks with their parameters")
    for p in (b, ls):
        p.add_argument(
            "--notebooks",
            type=Path,
            default=None,
            metavar="DIR",
            dest="notebook_dir",
            help="take the notebooks from DIR (e.g. one made by `init`) instead of the package's",
        )
    i = sub.add_parser("init", help="copy the notebooks and their params/ into DIR, to edit and build")
    i.add_argument("dir", type=Path, metavar="DIR")
    return parser


def _chosen(names: Sequence[str], folder: Path | None) -> list[str]:
    """With ``--notebooks DIR``, the names (default: all) as paths of notebooks in DIR."""
    from sahel_analysis.report import BuildError

    if folder is None:
        return list(names)
    folder = folder.expanduser()
    if not folder.is_dir():
        raise BuildError(f"--notebooks {folder}: not a folder")
    available = sorted(folder.glob("*.ipynb"))
    if not available:
        raise BuildError(f"--notebooks {folder}: no notebooks (*.ipynb) in it")
    chosen = []
    for name in names or [p.name for p in available]:
        hit = next((c for c in (folder / name, folder / f"{name}.ipynb") if os.path.lexists(c)), None)
        if hit is None:
            known = ", ".join(p.stem for p in available)
            raise BuildError(f"unknown notebook {name!r} in {folder}; available: {known}")
        chosen.append(str(hit))
    return chosen


def _init(target: Path) -> int:
    from sahel_analysis.workspace import WorkspaceError, init

    try:
        written = init(target)
    except WorkspaceError as exc:
        print(f"sahel-analysis: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"copied {len(written)} files into {target}; build them with: sahel-analysis build --notebooks {target}"
    )
    return 0


def _list(folder: Path | None) -> int:
    from sahel_analysis.report import BuildError, discover, parameters

    try:
        notebooks = discover(_chosen([], folder))
        declared = [(nb, parameters(nb)) for nb in notebooks]  # a broken notebook: one line, as in build
    except BuildError as exc:
        print(f"sahel-analysis: error: {exc}", file=sys.stderr)
        return 2
    for nb, params in declared:
        print(nb.stem)
        for p in params:
            kind = f" ({p.type})" if p.type else ""
            print(f"  {p.name}{kind} = {p.default}")
            if p.help:
                print(f"      {p.help}")
    return 0


def _build(args: argparse.Namespace) -> int:
    from sahel_analysis.errors import WriteError
    from sahel_analysis.report import BuildError, build, discover, parse_value, plan
    from sahel_analysis.report.plan import edition, in_languages

    if args.jobs is not None and args.jobs < 1:
        print("sahel-analysis: error: -j/--jobs: expected a whole number >= 1", file=sys.stderr)
        return 2
    if not 0 < args.timeout < float("inf"):
        print("sahel-analysis: error: --timeout: expected a number of seconds > 0", file=sys.stderr)
        return 2
    try:
        cli_params = {}
        for name, value in args.parameter:
            if name in cli_params:
                raise BuildError(f"parameter {name!r} given twice")
            cli_params[name] = parse_value(name, value)
        jobs = plan(discover(_chosen(args.notebooks, args.notebook_dir)), cli_params, args.parameters_file)
        jobs = in_languages(jobs, args.lang)
    except BuildError as exc:
        print(f"sahel-analysis: error: {exc}", file=sys.stderr)
        return 2
    if not jobs:
        print("sahel-analysis: error: no notebooks to build", file=sys.stderr)
        return 2

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    try:
        results = build(
            jobs,
            args.output,
            workers=args.jobs,
            force=args.force,
            progress=say,
            profile=args.profile,
            timeout=args.timeout,
        )
    except (BuildError, WriteError) as exc:  # WriteError: disk full, a file size limit...
        print(f"sahel-analysis: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sahel-analysis: interrupted; kernels stopped, no partial output kept", file=sys.stderr)
        return 130
    width = max(len(r.job.label) for r in results)
    print(f"{'notebook':<{width}}  {'status':<10} {'seconds':>7}  output")
    for r in results:
        out = str(r.output) if r.output else "-"
        print(f"{r.job.label:<{width}}  {r.status:<10} {r.seconds:>7.1f}  {out}")
    for r in results:
        if r.status in ("failed", "skipped") and r.message:
            print(f"{r.status}: {r.message}", file=sys.stderr)
    for lang in dict.fromkeys(r.job.lang for r in results):
        print(f"index: {edition(args.output, lang) / 'index.html'}")
    if args.profile:
        _print_profile(args.output)
    return 1 if any(r.status == "failed" for r in results) else 0


PHASES = ("kernel_start", "kernel_wait", "inject", "execute", "html", "write")


def _print_profile(out: Path) -> None:
    """The per-phase table of ``--profile``: seconds per notebook and phase."""
    import json

    from sahel_analysis.report import STATE_DIR

    phases = json.loads((out / STATE_DIR / "profile.json").read_text(encoding="utf-8"))
    orchestrator = phases.pop("(orchestrator)", {})
    if orchestrator:
        print(f"orchestrator import: {orchestrator.get('import', 0):.2f} s (while kernels start)")
    width = max([len(k) for k in phases] + [8])
    print(f"{'notebook':<{width}}  " + "  ".join(f"{p:>12}" for p in PHASES))
    for stem, t in sorted(phases.items()):
        print(f"{stem:<{width}}  " + "  ".join(f"{t.get(p, 0.0):>12.2f}" for p in PHASES))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        return _list(args.notebook_dir)
    if args.command == "init":
        return _init(args.dir)
    return _build(args)


if __name__ == "__main__":
    sys.exit(main())
