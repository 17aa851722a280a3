"""The build: run notebooks headless through papermill and render self-contained HTML briefings.

One process imports papermill and nbconvert once, runs notebooks in parallel in fresh kernels of
this interpreter, and skips any notebook whose inputs (notebook, parameters, data, library) have not
changed since its last good build. Every file is written to a temporary name and then renamed.
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import html
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
import tokenize
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sahel_analysis import __version__
from sahel_analysis.errors import NotebookSkipped
from sahel_analysis.paths import DATA_DIR, NOTEBOOK_DIR, PACKAGE_DIR, TEMPLATE_DIR

STATE_DIR = ".state"


class BuildError(Exception):
    """A request the build cannot carry out: unknown notebook or parameter, bad parameter file."""


# --------------------------------------------------------------------------------------------------
# Parameters, read from the notebook's cell tagged "parameters" without importing papermill.


@dataclass(frozen=True)
class Parameter:
    name: str
    default: str  # the source text of the default, as written in the cell
    type: str  # the declared type, from the comment: "name = value  # type: help"
    help: str


def _load_notebook(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise BuildError(f"{path}: no such notebook") from None
    except json.JSONDecodeError as exc:
        raise BuildError(f"{path}: not a notebook (invalid JSON: {exc})") from None


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def parameters(path: Path) -> list[Parameter]:
    """The parameters a notebook declares, with their declared types and help comments."""
    nb = _load_notebook(path)
    cell = next((c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        return []
    src = _source(cell)
    comments = {
        tok.start[0]: tok.string.lstrip("#").strip()
        for tok in tokenize.generate_tokens(io.StringIO(src).readline)
        if tok.type == tokenize.COMMENT
    }
    found = []
    for node in ast.parse(src).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if not isinstance(target, ast.Name):
            continue
        value = getattr(node, "value", None)
        default = ast.get_source_segment(src, value) if value is not None else ""
        comment = comments.get(node.end_lineno, "") or comments.get(node.lineno, "")
        kind, _, helptext = comment.partition(":")
        if not helptext:  # a comment with no "type:" prefix is all help
            kind, helptext = "", comment
        found.append(Parameter(target.id, default or "", kind.strip(), helptext.strip()))
    return found


def _type_ok(value: Any, declared: str) -> bool:
    """Whether ``value`` fits a declared type such as ``str | None`` or ``list[str]``."""
    if not declared:
        return True
    simple = {"str": str, "int": int, "float": (int, float), "bool": bool, "dict": dict}
    for alt in (a.strip() for a in _split_top(declared, "|")):
        if alt == "None" and value is None:
            return True
        if (
            alt in simple
            and isinstance(value, simple[alt])
            and not (alt in ("int", "float") and isinstance(value, bool))
        ):
            return True
        m = re.fullmatch(r"(list|tuple)(?:\[(.*)\])?", alt)
        if m and isinstance(value, list | tuple):
            inner = m.group(2)
            if inner is None or all(_type_ok(v, inner.split(",")[0].strip()) for v in value):
                return True
    return False


def _split_top(text: str, sep: str) -> list[str]:
    depth, parts, cur = 0, [], ""
    for ch in text:
        depth += ch == "["
        depth -= ch == "]"
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [*parts, cur]


def _plain(value: Any) -> Any:
    """YAML turns 2021-05-24 into a date; notebooks take ISO strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def parse_value(text: str) -> Any:
    """A ``-p NAME VALUE`` value: YAML scalars and lists (``[gao, kidal]``), ``None`` for null."""
    import yaml

    if text in ("None", "none"):
        return None
    try:
        return _plain(yaml.safe_load(text))
    except yaml.YAMLError:
        return text


def read_param_file(path: Path) -> dict[str, Any]:
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except FileNotFoundError:
        raise BuildError(f"{path}: no such parameter file") from None
    except yaml.YAMLError as exc:
        raise BuildError(f"{path}: not valid YAML ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BuildError(f"{path}: expected a mapping of parameter names to values")
    return _plain(data)


# --------------------------------------------------------------------------------------------------
# Jobs and fingerprints


@dataclass
class Job:
    notebook: Path
    params: dict[str, Any]
    variant: str | None = None

    @property
    def stem(self) -> str:
        return self.notebook.stem + (f"--{self.variant}" if self.variant else "")


@dataclass
class Result:
    job: Job
    status: str  # built, up-to-date, skipped, failed
    seconds: float = 0.0
    output: Path | None = None
    message: str = ""


def _hash_tree(root: Path, patterns: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for pattern in patterns:
        for path in sorted(root.rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def data_version(data_dir: Path | None = None) -> str:
    """A short hash of everything under ``data/``: changes whenever a data file does."""

    return _hash_tree(data_dir or DATA_DIR, ["*"])[:12]


def _library_version() -> str:
    return _hash_tree(PACKAGE_DIR, ["*.py", "*.mplstyle", "*.j2", "*.json"])[:12]


def _input_files(job: Job) -> dict[str, list[int]]:
    """Files named by parameters (e.g. an ACLED export): a new download must trigger a rebuild."""
    found = {}
    for value in job.params.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item:
                path = job.notebook.parent / item
                if path.is_file():
                    stat = path.stat()
                    found[str(path.resolve())] = [stat.st_size, stat.st_mtime_ns]
    return found


def _fingerprint(job: Job, data: str, lib: str) -> str:
    payload = json.dumps(
        {"params": job.params, "data": data, "lib": lib, "version": __version__, "files": _input_files(job)},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(job.notebook.read_bytes() + payload.encode()).hexdigest()


def discover(names: Sequence[str] = ()) -> list[Path]:
    """Notebooks to build: the named ones (a path, or a name under notebooks/), or all of them."""
    available = sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb"))
    if not names:
        return available
    chosen = []
    for name in names:
        path = Path(name)
        candidates = [path, NOTEBOOK_DIR / name, NOTEBOOK_DIR / f"{name}.ipynb"]
        hit = next((c for c in candidates if c.is_file() and c.suffix == ".ipynb"), None)
        if hit is None:
            known = ", ".join(p.stem for p in available) or "none"
            raise BuildError(f"unknown notebook {name!r}; available: {known}")
        chosen.append(hit.resolve())
    return chosen


def plan(
    notebooks: Sequence[Path], cli_params: dict[str, Any], param_files: Sequence[Path] = ()
) -> list[Job]:
    """Check parameters against what each notebook declares; one job per notebook and parameter file.

    Each parameter file is a named variant (its file name); ``-p`` values apply on top of each.
    """
    variants = [(f.stem, read_param_file(f)) for f in param_files] or [(None, {})]
    declared = {nb: {p.name: p for p in parameters(nb)} for nb in notebooks}
    known = set().union(*(d.keys() for d in declared.values())) if declared else set()
    jobs = []
    for variant, from_file in variants:
        overrides = {**from_file, **cli_params}
        unknown = sorted(set(overrides) - known)
        if unknown:
            allowed = ", ".join(sorted(known)) or "none"
            raise BuildError(f"unknown parameter(s) {', '.join(unknown)}; the notebooks take: {allowed}")
        for nb in notebooks:
            mine = {k: v for k, v in overrides.items() if k in declared[nb]}
            for name, value in mine.items():
                spec = declared[nb][name]
                if not _type_ok(value, spec.type):
                    raise BuildError(
                        f"parameter {name!r} of {nb.stem}: expected {spec.type}, "
                        f"found {value!r} ({type(value).__name__})"
                    )
            jobs.append(Job(nb, mine, variant=variant))
    return jobs


# --------------------------------------------------------------------------------------------------
# Writing


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes files private; briefings are for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def notebook_title(nb: dict[str, Any], fallback: str) -> tuple[str, str]:
    """The first markdown heading and the paragraph after it: the briefing's title and summary."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        lines = [line.strip() for line in _source(cell).splitlines()]
        heading = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
        if heading is None:
            continue
        paragraph: list[str] = []
        for line in lines[heading + 1 :]:
            if not line and paragraph:
                break
            if line and not line.startswith("#"):
                paragraph.append(line)
        # The index is plain text: drop the Markdown marks a summary may carry.
        summary = re.sub(r"[`*_]{1,2}([^`*_]+)[`*_]{1,2}", r"\1", " ".join(paragraph))
        return lines[heading][2:].strip(), summary
    return fallback, ""


@contextmanager
def _own_kernel() -> Iterator[None]:
    """Make "python3" mean this very interpreter while the block runs.

    papermill would otherwise take whichever python3 kernelspec Jupyter finds first, possibly
    another environment's (NoSuchKernel, or the wrong packages). JUPYTER_PATH comes first in
    Jupyter's search, so a spec placed there wins.
    """
    root = Path(tempfile.mkdtemp(prefix="sahel-kernels-"))
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    # Quiet: the kernel's own log lines (TCP transport, shutdown) would drown the build's progress.
    argv = [
        sys.executable,
        "-m",
        "ipykernel_launcher",
        "-f",
        "{connection_file}",
        "--IPKernelApp.log_level=CRITICAL",
    ]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3 (sahel-analysis)", "language": "python"})
    )
    before = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(root), *filter(None, [before])])
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = before
        shutil.rmtree(root, ignore_errors=True)


def _render_html(executed: Any, job: Job, title: str, data: str) -> bytes:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="briefing",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    built = dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if epoch else ""
    shown = ", ".join(f"{k}={v!r}" for k, v in sorted(job.params.items())) or "defaults"
    resources = {
        "metadata": {"name": title},
        "briefing": {
            "title": title,
            "parameters": shown,
            "data_version": data,
            "package_version": __version__,
            "built": built,
        },
    }
    executed.metadata["title"] = title
    body, _ = exporter.from_notebook_node(executed, resources=resources)
    return body.encode("utf-8")


def _strip_run_metadata(nb: Any) -> None:
    """papermill records wall-clock times; drop them so the same inputs give the same bytes."""
    nb.metadata.get("papermill", {}).pop("start_time", None)
    nb.metadata.get("papermill", {}).pop("end_time", None)
    nb.metadata.get("papermill", {}).pop("duration", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        pm = cell.metadata.get("papermill", {})
        for key in ("start_time", "end_time", "duration"):
            pm.pop(key, None)


def execute(notebook: Path, output: Path, parameters: dict[str, Any] | None = None) -> Any:
    """Run ``notebook`` through papermill into ``output``, with a kernel started in its folder.

    Safe to call from several threads: papermill's own ``cwd=`` would chdir the whole process,
    which races between threads and can leave the process in another folder.
    Raises papermill's ``PapermillExecutionError`` when a cell fails.
    """
    import papermill as pm

    return pm.execute_notebook(
        str(notebook),
        str(output),
        parameters=parameters or {},
        kernel_name="python3",
        resources={"metadata": {"path": str(Path(notebook).resolve().parent)}},
        progress_bar=False,
        log_output=False,
        request_save_on_cell_execute=False,
    )


def _run(job: Job, out: Path, fingerprint: str, data: str) -> Result:
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    source = _load_notebook(job.notebook)
    title, summary = notebook_title(source, job.notebook.stem)
    if job.variant:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(job.params.items()))
        title = f"{title} ({job.variant}: {shown})" if shown else f"{title} ({job.variant})"
    state = out / STATE_DIR / f"{job.stem}.json"
    html_path = out / f"{job.stem}.html"
    fd, tmp_name = tempfile.mkstemp(dir=out, prefix=f".{job.stem}.", suffix=".ipynb")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        execute(job.notebook, tmp, job.params)
    except PapermillExecutionError as err:
        seconds = time.perf_counter() - start
        state.unlink(missing_ok=True)
        html_path.unlink(missing_ok=True)
        (out / f"{job.stem}.ipynb").unlink(missing_ok=True)
        if err.ename == NotebookSkipped.__name__:
            tmp.unlink(missing_ok=True)
            # Remembered, so that a rebuild with the same inputs skips it without a kernel.
            record = {"fingerprint": fingerprint, "status": "skipped", "reason": err.evalue}
            _atomic_write(state, json.dumps(record, indent=1, sort_keys=True).encode())
            return Result(job, "skipped", seconds, None, err.evalue)
        failed = out / f"{job.stem}.FAILED.ipynb"
        os.chmod(tmp, 0o644)
        os.replace(tmp, failed)
        line = f"{job.notebook.name}, cell {err.cell_index + 1}: {err.ename}: {err.evalue}"
        return Result(job, "failed", seconds, failed, line)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        executed = nbformat.read(tmp, as_version=4)
        _strip_run_metadata(executed)
        _atomic_write(out / f"{job.stem}.ipynb", nbformat.writes(executed).encode("utf-8"))
    finally:
        tmp.unlink(missing_ok=True)
    (out / f"{job.stem}.FAILED.ipynb").unlink(missing_ok=True)
    _atomic_write(html_path, _render_html(executed, job, title, data))
    record = {
        "fingerprint": fingerprint,
        "notebook": job.notebook.name,
        "status": "built",
        "html": html_path.name,
        "title": title,
        "summary": summary,
        "params": job.params,
    }
    _atomic_write(state, json.dumps(record, indent=1, sort_keys=True, default=str).encode())
    return Result(job, "built", time.perf_counter() - start, html_path)


def write_index(out: Path) -> Path:
    """``index.html``: every good briefing in ``out``, with its title and one-line summary."""
    entries = []
    for path in sorted((out / STATE_DIR).glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("status") == "built" and (out / record["html"]).is_file():
            entries.append(record)
    items = "\n".join(
        f'<li><a href="{html.escape(r["html"])}">{html.escape(r["title"])}</a>'
        f"<p>{html.escape(r['summary'])}</p></li>"
        for r in entries
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>sahel-analysis briefings</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 820px; margin: 2rem auto;
  padding: 0 1rem; color: #222; line-height: 1.45; }}
h1 {{ border-bottom: 2px solid #0072B2; padding-bottom: .4rem; }}
li {{ margin-bottom: 1rem; }} a {{ color: #0072B2; font-weight: 600; font-size: 1.1rem; }}
p {{ margin: .2rem 0 0; }} footer {{ color: #666; font-size: .85rem; margin-top: 2rem; }}
</style></head>
<body><h1>sahel-analysis briefings</h1>
<ul>
{items}
</ul>
<footer>sahel-analysis {html.escape(__version__)} · data version {html.escape(data_version())}</footer>
</body></html>
"""
    index = out / "index.html"
    _atomic_write(index, page.encode("utf-8"))
    return index


def _stop_children() -> None:
    """End every kernel this process started, so an interrupted build leaves none running."""
    import psutil

    children = psutil.Process().children(recursive=True)
    for child in children:
        child.terminate()
    _, alive = psutil.wait_procs(children, timeout=3)
    for child in alive:
        child.kill()


def _code_cells(path: Path) -> int:
    return sum(c.get("cell_type") == "code" for c in _load_notebook(path)["cells"])


def build(
    jobs: Sequence[Job],
    out: Path,
    *,
    workers: int | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[Result]:
    """Run the jobs that are out of date, in parallel, and refresh ``out/index.html``."""
    say = progress or (lambda _msg: None)
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    data, lib = data_version(), _library_version()
    results: dict[int, Result] = {}
    todo: list[tuple[int, Job, str]] = []
    for i, job in enumerate(jobs):
        fingerprint = _fingerprint(job, data, lib)
        state = out / STATE_DIR / f"{job.stem}.json"
        html_path = out / f"{job.stem}.html"
        record = json.loads(state.read_text(encoding="utf-8")) if state.is_file() and not force else {}
        if record.get("fingerprint") == fingerprint:
            if record.get("status") == "skipped":
                results[i] = Result(job, "skipped", 0.0, None, record.get("reason", ""))
                continue
            if html_path.is_file():
                results[i] = Result(job, "up-to-date", 0.0, html_path)
                continue
        todo.append((i, job, fingerprint))
    # Longest first, so that the last notebook to finish does not run alone: the count of code
    # cells is a fair proxy for the work a notebook does.
    todo.sort(key=lambda item: -_code_cells(item[1].notebook))
    if todo:
        workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
        say(f"running {len(todo)} notebook(s) with {workers} worker(s); {len(results)} up to date")
        with _own_kernel():
            pool = ThreadPoolExecutor(max_workers=workers)
            try:
                futures = {}
                for i, job, fingerprint in todo:
                    say(f"  start  {job.stem}")
                    futures[pool.submit(_run, job, out, fingerprint, data)] = i
                for future in as_completed(futures):
                    result = future.result()
                    results[futures[future]] = result
                    say(f"  {result.status:<6} {result.job.stem} ({result.seconds:.1f} s)")
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                _stop_children()
                raise
            pool.shutdown()
    write_index(out)
    return [results[i] for i in range(len(jobs))]
