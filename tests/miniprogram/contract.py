"""Which API calls the mini-program makes, read statically from its JavaScript, and a check against OpenAPI.

A call is an api helper call (``api.get/post/put/del/upload/download/postAnonymous`` in a page, the
same helpers called bare or ``rawRequest({path, method})`` inside ``utils/api.js``) whose first
argument is a string concatenation: literals stay, an expression naming an id becomes a path
parameter, any other expression must be listed by a ``// api-values <name>: a b c`` comment just
above the call (e.g. the action segment of ``/agreements/{id}/<action>``, or the ``{module}`` of
``/transfers/{module}``: each listed value is checked as a literal path, which a string parameter
matches). A call whose URL comes from a response (a proof's ``url``, ``pdf_url``) is declared by a
``// api-call: METHOD /path`` comment above it. Anything else is an error, so no call escapes the list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MINIPROGRAM = Path(__file__).resolve().parents[2] / "miniprogram"
API_PREFIX = "/api/v1"
METHODS = {"get": "GET", "post": "POST", "put": "PUT", "del": "DELETE", "upload": "POST", "download": "GET",
           "postAnonymous": "POST"}
HELPER = "|".join(METHODS)
PAGE_CALL = re.compile(rf"\bapi\.({HELPER})\(")
BARE_CALL = re.compile(rf"(?<![\w.])({HELPER})\(")
RAW_CALL = re.compile(r"rawRequest\(\{\s*path:\s*'([^']+)'\s*,\s*method:\s*'(\w+)'")
DECLARED = re.compile(r"//\s*api-call:\s*(GET|POST|PUT|DELETE)\s+(\S+)")
VALUES = re.compile(r"//\s*api-values\s+(\w+):\s*([\w ]+)")
LOOKBACK = 3  # lines above a call where its comments may be


class ExtractError(Exception):
    """A call the extractor cannot resolve to method + path."""


@dataclass(frozen=True, order=True)
class Call:
    method: str
    #: e.g. /agreements/{}/accept — "{}" is a path parameter
    path: str
    source: str  # file:line, first place seen

    def key(self) -> tuple[str, str]:
        return self.method, self.path


def _first_argument(text: str, start: int) -> str:
    """The source text of the first argument of the call whose "(" ends at *start*."""
    depth, i, quote = 0, start, ""
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return text[start:i]
            depth -= 1
        elif c == "," and depth == 0:
            return text[start:i]
        i += 1
    raise ExtractError("unterminated call")


def _split_plus(expr: str) -> list[str]:
    parts, depth, quote, cur = [], 0, "", ""
    for c in expr:
        if quote:
            cur += c
            if c == quote:
                quote = ""
            continue
        if c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "+" and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += c
    parts.append(cur.strip())
    return parts


def _literal(part: str) -> str | None:
    m = re.fullmatch(r"'([^'\\]*)'|\"([^\"\\]*)\"", part)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2))


def _templates(expr: str, values: dict[str, list[str]], where: str) -> list[str]:
    """Every path the argument *expr* can be ("{}" for ids); an ExtractError if it cannot be known."""
    parts = _split_plus(expr)
    if _literal(parts[0]) is None:
        raise ExtractError(f"{where}: the URL {expr!r} is not a literal path; declare it with // api-call:")
    paths = [""]
    for part in parts:
        lit = _literal(part)
        if lit is not None:
            paths = [p + lit for p in paths]
            continue
        name = part.split(".")[-1]
        if name in values:
            paths = [p + v for p in paths for v in values[name]]
        elif re.search(r"id\b|Id\b|_id\b", part):
            paths = [p + "{}" for p in paths]
        else:
            raise ExtractError(f"{where}: {part!r} in {expr!r} is neither an id nor listed by // api-values")
    out = []
    for p in paths:
        p = p.split("?")[0]
        if not re.fullmatch(r"(/([\w.-]+|\{\}))+/?", p):
            raise ExtractError(f"{where}: {p!r} mixes a parameter into a path segment")
        out.append(p)
    return out


def _comments(lines: list[str], lineno: int) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    values: dict[str, list[str]] = {}
    declared: list[tuple[str, str]] = []
    for line in lines[max(0, lineno - 1 - LOOKBACK):lineno - 1]:
        m = VALUES.search(line)
        if m:
            values[m.group(1)] = m.group(2).split()
        d = DECLARED.search(line)
        if d:
            declared.append((d.group(1), re.sub(r"\{\w*\}", "{}", d.group(2))))
    return values, declared


def calls_in(text: str, name: str, bare: bool = False) -> list[Call]:
    """The calls in one file's source *text* (*bare*: the helpers are called without ``api.``)."""
    lines = text.splitlines()
    out: list[Call] = []
    pattern = BARE_CALL if bare else PAGE_CALL
    for m in pattern.finditer(text):
        if bare and re.search(r"function\s+$", text[:m.start()][-20:]):
            continue  # the helper's own definition
        lineno = text.count("\n", 0, m.start()) + 1
        where = f"{name}:{lineno}"
        values, declared = _comments(lines, lineno)
        if declared:
            out.extend(Call(method, path, where) for method, path in declared)
            continue
        arg = _first_argument(text, m.end()).strip()
        for path in _templates(arg, values, where):
            out.append(Call(METHODS[m.group(1)], path, where))
    if bare:
        for m in RAW_CALL.finditer(text):
            lineno = text.count("\n", 0, m.start()) + 1
            out.append(Call(m.group(2).upper(), m.group(1), f"{name}:{lineno}"))
    return out


def extract_calls(root: Path = MINIPROGRAM) -> list[Call]:
    """Every distinct (method, path) the mini-program calls, sorted; first source kept."""
    seen: dict[tuple[str, str], Call] = {}
    for path in sorted(root.rglob("*.js")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("node_modules/", "tests/")):
            continue
        text = path.read_text(encoding="utf-8")
        for call in calls_in(text, rel, bare=rel == "utils/api.js"):
            seen.setdefault(call.key(), call)
    return sorted(seen.values(), key=Call.key)


def _is_id_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}") and (segment == "{id}" or segment.endswith("_id}"))


def _matches(template: str, spec_path: str) -> bool:
    """An id ("{}") matches an id parameter; a literal matches itself, or a string parameter such as
    ``{module}`` (its values come from an ``// api-values`` comment, e.g. archive hukou)."""
    a = template.strip("/").split("/")
    b = spec_path.strip("/").split("/")

    def one(x: str, y: str) -> bool:
        if x == "{}":
            return y.startswith("{") and y.endswith("}")
        return x == y or (y.startswith("{") and y.endswith("}") and not _is_id_param(y))

    return len(a) == len(b) and all(one(x, y) for x, y in zip(a, b, strict=True))


def missing(calls: list[Call], spec: dict[str, Any]) -> list[Call]:
    """The calls with no operation of that method and path in the OpenAPI document *spec*."""
    operations = [(method.upper(), path.removeprefix(API_PREFIX))
                  for path, item in spec.get("paths", {}).items() for method in item
                  if method in {"get", "post", "put", "delete", "patch"}]
    return [c for c in calls if not any(m == c.method and _matches(c.path, p) for m, p in operations)]
