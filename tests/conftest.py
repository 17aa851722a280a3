"""Shared test set-up: every figure is drawn headless, with the same renderer everywhere."""

from __future__ import annotations

import matplotlib

# pyplot picks its backend lazily, so setting it before any test imports pyplot applies to all.
matplotlib.use("Agg")


def run_variants(notebook, runs: dict, out) -> dict:
    """Run ``notebook`` once per named parameter set into ``out/NAME.ipynb``; each name's error or None.

    Fresh kernels in a few threads: much of a kernel's life is spent waiting, so two cores keep up.
    """
    from concurrent.futures import ThreadPoolExecutor

    from sahel_analysis.report import NotebookFailed, execute

    def run(item):
        name, params = item
        try:
            execute(notebook, out / f"{name}.ipynb", params)
        except NotebookFailed as err:
            return name, err
        return name, None

    with ThreadPoolExecutor(3) as pool:
        return dict(pool.map(run, runs.items()))
