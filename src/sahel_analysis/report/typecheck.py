"""Does a value fit a declared parameter type? The types notebooks write, checked without importing them.

A type is read as a Python expression, never evaluated: ``str``, ``int``, ``float``, ``bool``, ``dict``,
``None``, ``Any``, ``list[X]``, ``tuple[X, ...]``, ``Optional[X]``, ``Union[X, Y]`` and ``X | Y``.
papermill reads the ``Optional[...]`` spelling from an annotation or a ``# type:`` comment; the
``X | Y`` spelling is what older parameter cells carry in their help comment.
"""

from __future__ import annotations

import ast
from typing import Any

_SIMPLE: dict[str, type | tuple[type, ...]] = {
    "str": str,
    "int": int,
    "float": (int, float),
    "bool": bool,
    "dict": dict,
    "Dict": dict,
}
_SEQUENCES = {"list", "List", "tuple", "Tuple", "Sequence"}


def parse_type(text: str) -> ast.expr | None:
    """The type expression in ``text``, or ``None`` when ``text`` is not one we can check."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    return node if _known(node) else None


def _known(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return node.value is None or node.value is Ellipsis
    if isinstance(node, ast.Name):
        return node.id in _SIMPLE or node.id in _SEQUENCES or node.id in ("None", "Any")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _known(node.left) and _known(node.right)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        head = node.value.id
        return head in (*_SEQUENCES, "Optional", "Union", "dict", "Dict") and all(map(_known, inner))
    return False


def fits(value: Any, declared: str) -> bool:
    """Whether ``value`` fits ``declared`` (an empty or unreadable declaration accepts anything)."""
    node = parse_type(declared) if declared else None
    return True if node is None else _fits(value, node)


def _fits(value: Any, node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return value is None
    if isinstance(node, ast.Name):
        if node.id == "Any":
            return True
        if node.id == "None":
            return value is None
        if node.id in _SEQUENCES:
            return isinstance(value, list | tuple)
        if isinstance(value, bool) and node.id in ("int", "float"):
            return False
        return isinstance(value, _SIMPLE[node.id])
    if isinstance(node, ast.BinOp):
        return _fits(value, node.left) or _fits(value, node.right)
    assert isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
    inner = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    head = node.value.id
    if head == "Optional":
        return value is None or _fits(value, inner[0])
    if head == "Union":
        return any(_fits(value, alt) for alt in inner)
    if head in ("dict", "Dict"):
        return isinstance(value, dict)
    if not isinstance(value, list | tuple):
        return False
    # list[X], tuple[X, ...] and Sequence[X] check every item against the first type given.
    return all(_fits(item, inner[0]) for item in value)
