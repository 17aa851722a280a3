"""The report: run notebooks headless and render self-contained HTML briefings, with an index.

Modules, in the order a build uses them: ``notebooks`` (discovery, titles, parameters read by
papermill), ``typecheck`` and ``plan`` (jobs, strict parameter checks), ``state`` (fingerprints and
records in ``OUT/.state``), ``kernels`` (fresh kernels started early: on Linux, forks of
``forkserver``, a process that imports the notebooks' libraries once), ``run`` (papermill's
parameter injection, nbclient's execution), ``html`` (nbconvert export), ``anchors`` (permalink
ids), ``index`` (the index page, from the pages the notebooks describe with
:mod:`sahel_analysis.pages`), ``atomic`` (whole-file writes) and ``builder`` (the orchestration).
Importing this package stays light: papermill, nbclient and nbconvert load only when used.
"""

from __future__ import annotations

import sys

from sahel_analysis.report.builder import Result, build, check_output
from sahel_analysis.report.errors import BuildError
from sahel_analysis.report.index import write_index
from sahel_analysis.report.notebooks import Parameter, discover, notebook_title, parameters
from sahel_analysis.report.plan import Job, parse_value, plan, read_param_file
from sahel_analysis.report.run import NotebookFailed, execute
from sahel_analysis.report.state import STATE_DIR, data_version

# nbformat validates with jsonschema, which imports rfc3987_syntax whenever it is installed (here by
# jupyterlab's dependencies); that compiles some 35 Earley parsers at import, 0.85 s of CPU, for the
# "iri" formats no notebook schema uses (python-jsonschema/jsonschema#1428). Without the module,
# jsonschema leaves those two formats unchecked.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

__all__ = [
    "STATE_DIR",
    "BuildError",
    "Job",
    "NotebookFailed",
    "Parameter",
    "Result",
    "build",
    "check_output",
    "data_version",
    "discover",
    "execute",
    "notebook_title",
    "parameters",
    "parse_value",
    "plan",
    "read_param_file",
    "write_index",
]
