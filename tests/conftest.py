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


# As papermill reads them: the type from the annotation, the help from the comment.
PARAMS = "n: int = 3  # how many points\nlabel: str = 'a'  # a label"


def new_notebook(path, body: str, params: str = PARAMS):
    """A notebook at ``path``: a title and summary, a parameters cell, then ``body`` as its one code cell."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {path.stem} title\n\nSummary of {path.stem}, <b>escaped</b>.\n"),
        nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ]
    nbformat.write(nb, path)
    return path
