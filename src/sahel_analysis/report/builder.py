"""The build: run the out-of-date notebooks in parallel, render each as HTML, refresh the index.

Start-up overlaps with work. Kernels start first (this module and ``kernels`` import only
jupyter_client) and load the notebooks' libraries while this process imports nbclient, papermill and
nbconvert. Each worker takes the next notebook, longest first by the time it took last build, on a
kernel already warm; the HTML is rendered by another thread while the next notebook runs. Every
notebook gets its own kernel, stopped after it; a cell may run ``timeout`` seconds (a parameter
file's ``timeout`` for its notebooks). When the build stops early (Ctrl-C), it kills the kernels it
started, and nothing else.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sahel_analysis.atomic import atomic_write
from sahel_analysis.errors import NotebookSkipped
from sahel_analysis.paths import source_folder
from sahel_analysis.report.errors import BuildError
from sahel_analysis.report.index import page_entry, write_index
from sahel_analysis.report.kernels import Kernel, KernelError
from sahel_analysis.report.notebooks import code_cells, default_meanings
from sahel_analysis.report.plan import Job, edition
from sahel_analysis.report.run import DEFAULT_TIMEOUT
from sahel_analysis.report.state import (
    check_state_dir,
    data_version,
    fingerprint,
    library_version,
    read_record,
    record_path,
    write_profile,
    write_record,
)

HEARTBEAT = 10.0  # seconds between "still running" lines for a long notebook
SPARE_KERNELS = 1  # warm kernels waiting beyond the running ones: enough to hide a start-up


@dataclass
class Result:
    job: Job
    status: str  # built, up-to-date, skipped, failed
    seconds: float = 0.0
    output: Path | None = None
    message: str = ""


@dataclass
class _Task:
    index: int
    job: Job
    out: Path  # the job's edition: OUT, or OUT/<lang>
    fingerprint: str
    previous: float | None  # seconds it ran last build, if known
    timings: dict[str, float] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)  # what a parameter left at None means


def check_output(out: Path, jobs: Sequence[Job]) -> Path:
    """The output folder, made if needed; refused when it is not a writable folder of its own.

    It may not be, or lie inside, the data package or a folder of source notebooks: a build writes
    only where nothing it reads lives.
    """
    given = out
    try:
        out = out.expanduser().resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symbolic link that loops (Python < 3.13)
        raise BuildError(f"output folder {given}: a symbolic link that loops; choose another") from None
    if (source := source_folder(out, *(job.notebook.parent for job in jobs))) is not None:
        folder, what = source
        where = "is" if out == folder else f"is inside {folder},"
        raise BuildError(f"output folder {out} {where} {what}; choose another (default: site/)")
    if out.exists() and not out.is_dir():
        raise BuildError(f"output folder {out} is a file; expected a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise BuildError(f"output folder {out} is under a file; expected a folder") from None
    except OSError as exc:
        raise BuildError(f"output folder {out} cannot be made ({exc.strerror})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise BuildError(f"output folder {out} is not writable")
    check_state_dir(out)
    return out


def _clear(out: Path, job: Job, *kinds: str) -> None:
    for kind in kinds:
        (out / f"{job.stem}{kind}").unlink(missing_ok=True)


def _failed(task: _Task, err: Any, seconds: float) -> Result:
    """Record a failure or a skip; the executed notebook is kept as NAME.FAILED.ipynb."""
    import nbformat

    job, out = task.job, task.out
    _clear(out, job, ".html", ".ipynb")
    record_path(out, job).unlink(missing_ok=True)
    if err.ename == NotebookSkipped.__name__:
        _clear(out, job, ".FAILED.ipynb")
        # Remembered, so that a rebuild with the same inputs skips it without a kernel.
        # Its time too: a skip still takes a kernel, and orders the next build's queue.
        record = {"fingerprint": task.fingerprint, "status": "skipped", "reason": err.evalue}
        record["seconds"] = round(task.timings.get("execute", seconds), 2)
        write_record(record_path(out, job), record)
        return Result(job, "skipped", seconds, None, err.evalue)
    failed = out / f"{job.stem}.FAILED.ipynb"
    atomic_write(failed, nbformat.writes(err.notebook).encode("utf-8"))
    return Result(job, "failed", seconds, failed, err.line(job.notebook.name + _in(job)))


def _finish(task: _Task, executed: Any, data: str, seconds: float) -> Result:
    """Write the executed notebook, its HTML and its record (in the render thread)."""
    import nbformat

    from sahel_analysis.i18n import language
    from sahel_analysis.report.html import rebuild_command, render_html
    from sahel_analysis.report.thumbnail import thumbnail_uri

    job, t, defaults, out = task.job, task.timings, task.defaults, task.out
    entry = page_entry(executed, job.notebook)  # the title and index line the notebook wrote
    start = time.perf_counter()
    command = rebuild_command(job.notebook, job.params, job.lang)
    with language(job.lang):  # the one thread that renders: the box and the template in the page's language
        page = render_html(
            executed,
            job.params,
            entry["title"],
            data,
            defaults,
            command=command,
            variant=job.variant,
            page=job.stem,
        )
    thumbnail = thumbnail_uri(executed)
    t["html"] = time.perf_counter() - start
    start = time.perf_counter()
    html_path = out / f"{job.stem}.html"
    atomic_write(out / f"{job.stem}.ipynb", nbformat.writes(executed).encode("utf-8"))
    _clear(out, job, ".FAILED.ipynb")
    atomic_write(html_path, page)
    record = {
        "fingerprint": task.fingerprint,
        "notebook": job.notebook.name,
        "status": "built",
        "html": html_path.name,
        **entry,
        "variant": job.variant,
        "lang": job.lang,
        "params": job.params,
        "defaults": defaults,
        "thumbnail": thumbnail,
        "seconds": round(t.get("execute", seconds), 2),
    }
    write_record(record_path(out, job), record)
    t["write"] = time.perf_counter() - start
    return Result(job, "built", seconds + t["html"] + t["write"], html_path)


class _Runner:
    """Workers that take tasks in order, each on a kernel started ahead of it."""

    def __init__(self, tasks: list[_Task], data: str, workers: int, say: Callable, timeout: float) -> None:
        self.tasks, self.data, self.workers, self.say = tasks, data, workers, say
        self.timeout = timeout
        self.kernels: list[Future] = []
        self.started: list[Kernel] = []  # every kernel this build made: the only ones it may kill
        self.starter = ThreadPoolExecutor(max_workers=workers + SPARE_KERNELS, thread_name_prefix="kernel")
        self.render = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render")
        self.lock = threading.Lock()
        self.next = 0
        self.running: dict[str, float] = {}
        self.stopping = threading.Event()
        self.results: list[Future] = []

    def prestart(self, upto: int) -> None:
        while len(self.kernels) < min(upto, len(self.tasks)):
            task = self.tasks[len(self.kernels)]
            self.kernels.append(self.starter.submit(self._start, task))

    def _start(self, task: _Task) -> Kernel:
        start = time.perf_counter()
        kernel = Kernel(task.job.notebook.resolve().parent)
        with self.lock:  # a kernel made after the sweep of kill() would escape it
            if self.stopping.is_set():
                raise KernelError("the build stopped")
            self.started.append(kernel)
        kernel.start()
        task.timings["kernel_start"] = time.perf_counter() - start
        return kernel

    def kill(self) -> None:
        """Stop early: kill every kernel this build started (each with what its notebook started)."""
        with self.lock:
            self.stopping.set()
            kernels = list(self.started)
        for kernel in kernels:
            kernel.kill()

    def close_unused(self) -> None:
        """Close the kernels started for notebooks no worker took (a build stopped early)."""
        for future in self.kernels[self.next :]:
            if future.done() and not future.cancelled() and future.exception() is None:
                future.result().close()

    def _take(self) -> tuple[int, _Task] | None:
        with self.lock:
            if self.next >= len(self.tasks) or self.stopping.is_set():
                return None
            position = self.next
            self.next += 1
            self.prestart(self.next + SPARE_KERNELS)
            return position, self.tasks[position]

    def work(self) -> None:
        from sahel_analysis.report.run import NotebookFailed, run_notebook

        while (taken := self._take()) is not None:
            position, task = taken
            job, t = task.job, task.timings
            waited = time.perf_counter()
            try:
                kernel = self.kernels[position].result()
            except Exception as exc:  # a kernel that cannot start fails its notebook alone
                if self.stopping.is_set():
                    return
                line = f"{job.notebook.name}{_in(job)}: kernel did not start ({exc})"
                self.results.append(_done(Result(job, "failed", 0.0, None, line)))
                continue
            t["kernel_wait"] = time.perf_counter() - waited
            start = time.perf_counter()
            self.running[job.label] = start
            self.say(f"  start  {job.label}")
            try:
                timeout = job.timeout or self.timeout
                executed = run_notebook(job.notebook, job.params, kernel, t, timeout, lang=job.lang)
            except NotebookFailed as err:
                if self.stopping.is_set():  # Ctrl-C stopped the kernel: nothing to keep
                    return
                outcome: Future = _done(_failed(task, err, time.perf_counter() - start))
            else:
                seconds = time.perf_counter() - start
                outcome = self.render.submit(_finish, task, executed, self.data, seconds)
            finally:
                self.running.pop(job.label, None)
            outcome.add_done_callback(self._report)
            self.results.append(outcome)

    def _report(self, future: Future) -> None:
        if not future.cancelled() and future.exception() is None:
            r = future.result()
            self.say(f"  {r.status:<6} {r.job.label} ({r.seconds:.1f} s)")

    def heartbeat(self) -> None:
        ticks: dict[str, int] = {}
        while not self.stopping.wait(1.0):
            now = time.perf_counter()
            for stem, start in list(self.running.items()):
                beats = int((now - start) // HEARTBEAT)
                if beats > ticks.get(stem, 0):
                    ticks[stem] = beats
                    self.say(f"  running {stem} ({now - start:.0f} s)")


def _done(result: Result) -> Future:
    future: Future = Future()
    future.set_result(result)
    return future


def _order(todo: list[_Task]) -> list[_Task]:
    """Longest first, so that the last notebook to finish does not run alone.

    The time each took last build decides; a notebook never timed goes first, by its count of
    code cells (a fair proxy for the work it does).
    """
    return sorted(todo, key=lambda t: (t.previous is not None, -(t.previous or code_cells(t.job.notebook))))


def _run_all(
    todo: list[_Task], data: str, workers: int, say: Callable, phases: dict, timeout: float
) -> dict[int, Result]:
    runner = _Runner(_order(todo), data, workers, say, timeout)
    # Threads importing the same modules in opposite orders deadlock: each thread only imports
    # what this one has imported before it starts them.
    import jupyter_client  # noqa: F401

    runner.prestart(workers + SPARE_KERNELS)  # before the heavy imports below, which they overlap
    start = time.perf_counter()
    import nbclient  # noqa: F401
    import nbconvert  # noqa: F401
    import papermill.parameterize  # noqa: F401

    import sahel_analysis.report.html
    import sahel_analysis.report.run  # noqa: F401

    phases["(orchestrator)"] = {"import": time.perf_counter() - start}
    meanings = {nb: default_meanings(nb) for nb in dict.fromkeys(task.job.notebook for task in todo)}
    for task in todo:  # what the parameters left at None mean (as_of: "the latest data")
        task.defaults = {k: v for k, v in meanings[task.job.notebook].items() if k not in task.job.params}
    # While the first kernels start, the render thread gets its templates ready: a core is free now.
    runner.render.submit(sahel_analysis.report.html.warm_up)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="worker")
    beat = threading.Thread(target=runner.heartbeat, daemon=True)
    beat.start()
    try:
        for f in [pool.submit(runner.work) for _ in range(workers)]:
            f.result()
        results = [f.result() for f in runner.results]
    except BaseException:
        runner.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        runner.render.shutdown(wait=False, cancel_futures=True)
        # A kernel still starting sees that it was killed once its process exists, and stops.
        runner.starter.shutdown(wait=True, cancel_futures=True)
        runner.close_unused()
        raise
    finally:
        runner.stopping.set()
    pool.shutdown()
    runner.render.shutdown()
    runner.starter.shutdown()
    for task in todo:
        phases[task.job.label] = task.timings
    index = {id(t.job): t.index for t in todo}
    return {index[id(r.job)]: r for r in results}


def build(
    jobs: Sequence[Job],
    out: Path,
    *,
    workers: int | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    profile: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[Result]:
    """Run the jobs that are out of date, in parallel, and refresh each edition's ``index.html``.

    English pages go into ``out``, the pages of another language into ``out/<lang>`` (each folder
    with its own records and index); both run on the same kernels. A cell may run ``timeout``
    seconds, or its job's own ``timeout``; a cell that runs longer fails its notebook alone. With
    ``profile``, the seconds each phase took are written to ``out/.state/profile.json``.
    """
    say = progress or (lambda _msg: None)
    out = check_output(out, jobs)
    folders = {lang: check_output(edition(out, lang), jobs) for lang in dict.fromkeys(j.lang for j in jobs)}
    data, lib = data_version(), library_version()
    results: dict[int, Result] = {}
    todo: list[_Task] = []
    for i, job in enumerate(jobs):
        folder = folders[job.lang]
        fp = fingerprint(job, data, lib)
        record = read_record(record_path(folder, job), say)
        previous = record.get("seconds") if isinstance(record.get("seconds"), int | float) else None
        if record.get("fingerprint") == fp and not force:
            if record.get("status") == "skipped":
                _clear(folder, job, ".FAILED.ipynb")
                results[i] = Result(job, "skipped", 0.0, None, record.get("reason", ""))
                continue
            if (folder / f"{job.stem}.html").is_file():
                _clear(folder, job, ".FAILED.ipynb")
                results[i] = Result(job, "up-to-date", 0.0, folder / f"{job.stem}.html")
                continue
        todo.append(_Task(i, job, folder, fp, previous))
    phases: dict[str, dict[str, float]] = {}
    if todo:
        workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
        say(f"running {len(todo)} notebook(s) with {workers} worker(s); {len(results)} up to date")
        results.update(_run_all(todo, data, workers, say, phases, timeout))
    from sahel_analysis.i18n import language

    for lang, folder in folders.items():
        with language(lang):
            write_index(folder, data)
    if profile:
        write_profile(out, phases)
    return [results[i] for i in range(len(jobs))]


def _in(job: Job) -> str:
    """ " (fr)" after a notebook's name in a message about its French page; nothing for English."""
    return job.label.removeprefix(job.stem)
