"""The data package's declaration (``data/datapackage.json``), read once: tables, fields, enums, labels.

Every column is declared in one place. The loaders' fast validation path is generated here from the
same declaration: :func:`constraint_rules` turns each Table Schema constraint into a pandera check
whose error text *is* the sentence a reader sees ("one of day, month, year"), so a message can never
disagree with the rule that produced it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from sahel_analysis.errors import DataError, Problem, display_path, unreadable
from sahel_analysis.i18n import N_, country_name
from sahel_analysis.paths import DATA_DIR

TABLES = ("sources", "places", "events", "troop_levels", "costs", "fatalities", "presence", "cpi", "claims")
LIST_SEPARATOR = ";"  # several source ids in one cell, which Table Schema cannot declare

# How the charts and tables name the declared values (datapackage.json holds the values, not prose):
# English message ids, shown with ``_()`` in the reader's language.
SCOPE_LABELS = {
    "mali": N_("in Mali"),
    "sahel": N_("across the Sahel"),
    "burkina_faso": N_("in Burkina Faso"),
    "niger": N_("in Niger"),
    "chad": N_("in Chad"),
    "senegal": N_("in Senegal"),
    "cote_divoire": N_("in Côte d'Ivoire"),
    "gabon": N_("in Gabon"),
    "djibouti": N_("in Djibouti"),
}
# The troop-level scopes inside the theatre of the Sahel operations. The prepositioned bases elsewhere
# (Senegal, Côte d'Ivoire, Gabon, Djibouti) are charted only when asked for by name.
SAHEL_SCOPES = ("sahel", "mali", "burkina_faso", "niger", "chad")
COVERAGE_LABELS = {
    "opex_all": N_("All external operations (OPEX)"),
    "opex_missint": N_("OPEX and domestic missions (MISSINT)"),
    "serval": N_("Operation Serval"),
    "barkhane": N_("Operation Barkhane"),
    "sahel": N_("All operations in the Sahel"),
}
CATEGORY_LABELS = {
    "coup": N_("Coups"),
    "rebellion": N_("Rebellion"),
    "military_operation": N_("Military operations"),
    "attack": N_("Attacks"),
    "political": N_("Politics"),
    "diplomatic": N_("Diplomacy"),
    "withdrawal": N_("Withdrawal"),
    "un_mission": N_("UN mission"),
    "alliance": N_("Sahel alliance"),
    "foreign_forces": N_("Other foreign forces"),
}
COUNTRY_NAMES = {
    "MLI": "Mali",
    "FRA": "France",
    "NER": "Niger",
    "TCD": "Chad",
    "BFA": "Burkina Faso",
    "MRT": "Mauritania",
    "DZA": "Algeria",
    "SEN": "Senegal",
    "CIV": "Côte d'Ivoire",
    "GAB": "Gabon",
    "DJI": "Djibouti",
}


def country_label(iso3: Any) -> str:
    """A country of the record by its ISO 3166 alpha-3 code, in the reader's language ("Chad", "Tchad")."""
    code = str(iso3)
    return country_name(code, COUNTRY_NAMES.get(code, code))


def country_of_name(name: str) -> str:
    """A country named in English ("Chad", as the conflict datasets name it) in the reader's language;
    a name the record does not know, as it is."""
    codes = {english: code for code, english in COUNTRY_NAMES.items()}
    return country_label(codes[name]) if name in codes else name


# pandera dtypes for the declared types; strings stay object columns.
DTYPES = {"date": "datetime64[ns]", "integer": "Int64", "number": "float64", "boolean": "boolean"}


@cache
def package(data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """``datapackage.json`` as a dict, read once per process.

    A missing, unreadable or malformed file raises ``DataError`` naming it (and for bad JSON, the
    line and column where the parser stopped).
    """
    path = data_dir / "datapackage.json"
    what = "the data package's declaration; set SAHEL_ANALYSIS_DATA to the folder holding it"
    if (problem := unreadable(path, what)) is not None:
        raise DataError([problem])
    file = display_path(path)
    try:
        text = path.read_bytes().decode("utf-8")
        declared = json.loads(text)
    except OSError as exc:
        raise DataError([Problem(file, None, None, None, f"a readable file ({exc.strerror})")]) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise DataError([Problem(file, line, None, None, "UTF-8 text")]) from None
    except json.JSONDecodeError as exc:
        rule = f"valid JSON (at character {exc.colno} of the line: {exc.msg})"
        raise DataError([Problem(file, exc.lineno, None, None, rule)]) from None
    except RecursionError:
        raise DataError(
            [Problem(file, None, None, None, "JSON nested a few levels deep, not thousands")]
        ) from None
    resources = declared.get("resources") if isinstance(declared, dict) else None
    if not isinstance(resources, list) or not all(isinstance(r, dict) and "name" in r for r in resources):
        raise DataError(
            [Problem(file, None, None, None, 'a data package: {"resources": [{"name": ...}, ...]}')]
        )
    for res in resources:
        if (rule := _outside(res, data_dir)) is not None:
            raise DataError([Problem(file, None, None, res.get("path"), rule)])
    return declared


def _outside(res: dict[str, Any], data_dir: Path) -> str | None:
    """Why a resource's ``path`` may not be read (the rule it breaks), or None when it is a file of the package.

    The Data Package spec allows only relative paths, without ``..``, for files of the package; a
    symbolic link out of the folder is refused too, since a downloaded package could carry one.
    Nothing is opened here, so an error never shows a byte of the file.
    """
    path = res.get("path")
    rule = (
        f"resource {res['name']!r} to name one file by a relative path inside the package folder "
        "(Data Package spec: no absolute path, URL or '..'"
    )
    if not isinstance(path, str) or not path.strip():
        return f"{rule}; a single path as text)"
    pure = PurePosixPath(path)
    if pure.is_absolute() or PureWindowsPath(path).drive or "://" in path or ".." in pure.parts:
        return f"{rule})"
    root = data_dir.resolve()
    try:
        (data_dir / path).resolve().relative_to(root)
    except ValueError:
        return f"{rule}; no symbolic link that leads out of {display_path(root)})"
    except (OSError, RuntimeError):  # a link that loops: the loader names it when it reads the file
        return None
    return None


def resource(name: str) -> dict[str, Any]:
    """The declaration of one table."""
    for res in package()["resources"]:
        if res["name"] == name:
            return res
    file = display_path(DATA_DIR / "datapackage.json")
    raise DataError(
        [Problem(file, None, None, None, f"a resource named {name!r} (tables: {', '.join(TABLES)})")]
    )


def fields(name: str) -> list[dict[str, Any]]:
    """The declared fields of a table, in column order."""
    return resource(name)["schema"]["fields"]


def field(table: str, column: str) -> dict[str, Any]:
    for f in fields(table):
        if f["name"] == column:
            return f
    raise KeyError(f"{table}.csv has no column {column!r}")


def enum(table: str, column: str) -> list[str]:
    """The values ``table.column`` may take (its enum), in declared order."""
    return list(field(table, column).get("constraints", {}).get("enum", []))


def bounds(table: str, column: str) -> tuple[int, int]:
    """The declared minimum and maximum of a numeric column."""
    cons = field(table, column)["constraints"]
    return int(cons["minimum"]), int(cons["maximum"])


def references(name: str) -> dict[str, str]:
    """Column -> referenced table, for the declared foreign keys and the ';'-separated source lists."""
    refs = {
        fk["fields"]: fk["reference"]["resource"] for fk in resource(name)["schema"].get("foreignKeys", [])
    }
    if any(f["name"] == "other_source_ids" for f in fields(name)):
        refs["other_source_ids"] = "sources"
    return refs


# --------------------------------------------------------------------------------------------------
# Constraints -> checks and the sentences that explain them


@dataclass(frozen=True)
class Rule:
    """One declared constraint on a column: its Table Schema name, value and what a reader is told."""

    constraint: str
    value: Any
    text: str


REQUIRED_TEXT = "a value (the column is required)"
UNIQUE_TEXT = "a value not used by another row (unique)"


def constraint_rules(f: dict[str, Any]) -> list[Rule]:
    """The value constraints of one field (not ``required``/``unique``, which pandera checks itself)."""
    cons = f.get("constraints", {})
    rules = []
    if "enum" in cons:
        rules.append(Rule("enum", cons["enum"], "one of " + ", ".join(map(str, cons["enum"]))))
    if "pattern" in cons:
        rules.append(Rule("pattern", cons["pattern"], f"text matching the pattern {cons['pattern']!r}"))
    lo, hi = cons.get("minimum"), cons.get("maximum")
    if lo is not None and hi is not None:
        rules.append(Rule("range", (lo, hi), f"a value between {lo} and {hi}"))
    elif lo is not None:
        rules.append(Rule("minimum", lo, f"a value >= {lo}"))
    elif hi is not None:
        rules.append(Rule("maximum", hi, f"a value <= {hi}"))
    if "maxLength" in cons:
        rules.append(Rule("maxLength", cons["maxLength"], f"at most {cons['maxLength']} characters"))
    return rules


def _check(rule: Rule) -> Any:
    import pandera.pandas as pa

    # The error text is what pandera reports as the failed check: the reader's sentence, verbatim.
    if rule.constraint == "enum":
        return pa.Check.isin(rule.value, error=rule.text)
    if rule.constraint == "pattern":
        return pa.Check.str_matches(f"^(?:{rule.value})$", error=rule.text)
    if rule.constraint == "range":
        return pa.Check.in_range(*rule.value, error=rule.text)
    if rule.constraint == "minimum":
        return pa.Check.ge(rule.value, error=rule.text)
    if rule.constraint == "maximum":
        return pa.Check.le(rule.value, error=rule.text)
    return pa.Check.str_length(max_value=rule.value, error=rule.text)


# pandera names the two checks it builds from a column's flags; everything else carries its text.
_PANDERA_FLAGS = {"not_nullable": REQUIRED_TEXT, "field_uniqueness": UNIQUE_TEXT}


def rule_text(check: str) -> str:
    """The sentence for a check named in pandera's failure cases."""
    return _PANDERA_FLAGS.get(check, check)


@cache
def pandera_schema(name: str) -> Any:
    """A pandera schema for the constraints declared in datapackage.json.

    pandera's own ``from_frictionless_schema`` reads the same declaration, but it validates the
    descriptor through frictionless and jsonschema, which costs seconds at import in every kernel.
    Types are not checked here: the loader has already turned each column into its type.
    """
    import pandera.pandas as pa

    primary = resource(name)["schema"].get("primaryKey", [])
    columns = {}
    for f in fields(name):
        cons = f.get("constraints", {})
        columns[f["name"]] = pa.Column(
            DTYPES.get(f.get("type", "string")),
            [_check(r) for r in constraint_rules(f)],
            nullable=not cons.get("required", False) and f["name"] not in primary,
            unique=cons.get("unique", False) or primary == [f["name"]],
        )
    return pa.DataFrameSchema(columns, strict=True, unique=primary if len(primary) > 1 else None)


# --------------------------------------------------------------------------------------------------
# Rules on a cell's text and across the cells of a row, which Table Schema cannot declare

# Every cell of every table, whatever its column: no cell begins or ends with white space, so an id
# is never " gao" in one table and "gao" in another (rejected, not stripped, so the file says what
# the data is). The rule is stated in datapackage.json's description.
TRIMMED_TEXT = "text without leading or trailing spaces"
NOT_BLANK_TEXT = "a value, not only spaces (leave the cell empty if there is none)"
NO_NUL_TEXT = "text without NUL (\\x00) characters"


@dataclass(frozen=True)
class RowRule:
    """``column`` must not be below ``other`` in the same row, when both are given."""

    table: str
    column: str
    other: str

    def text(self, other_value: object) -> str:
        dated = field(self.table, self.column).get("type") == "date"
        relation = "not before" if dated else "not below"
        return f"a value {relation} {self.other!r} of the same row ({other_value})"


# The cross-field rules, each also stated in the description of its column in datapackage.json.
ROW_RULES = (
    RowRule("troop_levels", "personnel_high", "personnel"),
    RowRule("events", "end_date", "date"),
    RowRule("presence", "end_date", "start_date"),
)


def row_rules(name: str) -> list[RowRule]:
    """The cross-field rules of one table."""
    return [r for r in ROW_RULES if r.table == name]
