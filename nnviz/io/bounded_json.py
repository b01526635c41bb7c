"""JSON read and written within bounds: what a document would allocate is counted before it is parsed.

A byte limit alone does not bound the work: 51 MB of ``{},`` parse into 17 million dicts (1.2 GB), and
a ``meta`` nested 800 deep parses but can no longer be written (``json.dumps`` with an indent recurses
in Python). :func:`loads` counts the objects, lists and values the text could hold (by counting the
bytes that open them, an upper bound: a brace inside a string counts too) and refuses the document
before parsing it; :func:`check_depth` measures nesting without recursion, on reading and before
writing, so what nnviz writes it reads back.
"""

from __future__ import annotations

import json

#: objects and lists one document may hold (a 1,000-layer project holds about 10,000)
MAX_CONTAINERS = 200_000
#: values one document may hold (a 100,000-epoch history of four metrics holds 400,000)
MAX_VALUES = 4_000_000
#: how deep objects and lists may nest (a project's architecture nests 7 deep)
MAX_DEPTH = 64


def loads(raw: bytes, what: str, error: type[Exception], max_containers: int = MAX_CONTAINERS,
          max_values: int = MAX_VALUES):
    """The JSON document in ``raw`` (UTF-8), refused with ``error`` naming ``what`` when it is not
    valid JSON or would hold more objects and lists (``max_containers``), values (``max_values``) or
    nesting (:data:`MAX_DEPTH`) than nnviz reads."""
    containers = raw.count(b"{") + raw.count(b"[")
    if containers > max_containers:
        raise error(f"{what} holds about {containers:,} objects and lists, more than nnviz reads "
                    f"({max_containers:,}); the file is damaged or not meant for nnviz")
    values = raw.count(b",") + containers
    if values > max_values:
        raise error(f"{what} holds about {values:,} values, more than nnviz reads ({max_values:,}); "
                    f"the file is damaged or not meant for nnviz")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{what} is not UTF-8 text (bad byte at offset {exc.start})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise error(f"{what} is not valid: its JSON is nested more than {MAX_DEPTH} deep") from None
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits())
        raise error(f"{what} is not valid: it holds a number with more digits than nnviz reads") from None
    check_depth(doc, what, error)
    return doc


def depth(obj, limit: int = MAX_DEPTH) -> int:
    """How deep dicts and lists nest in ``obj`` (0 for a scalar), counted without recursion; stops
    counting at ``limit + 1``."""
    deepest = 0
    stack = [(obj, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        stack.extend((child, level + 1) for child in children
                     if isinstance(child, (dict, list, tuple)))
    return deepest


def check_depth(obj, what: str, error: type[Exception], limit: int = MAX_DEPTH) -> None:
    """``error`` naming ``what`` when ``obj`` nests deeper than ``limit``."""
    if depth(obj, limit) > limit:
        raise error(f"{what} is nested more than {limit} levels deep; nnviz reads and writes at most {limit}")
