"""JSON text as Tsunagu accepts it, from a file to import or in an API request body.

Python's ``json`` reads more than a record can hold: ``NaN``, ``Infinity`` and numbers such as
``1e400`` (which become infinite), lone surrogates (``"\\ud800"``, not a character: no store or
answer can encode it), and nesting deep enough to exhaust the interpreter's stack.  :func:`loads`
refuses all of these with :class:`JSONTextError`, which says where and why in Japanese and
English.
"""

from __future__ import annotations

import json
import math
from typing import Any

from graph.errors import InvalidInput

#: deeper nesting than any record needs (an HSDS service is about five levels)
MAX_DEPTH = 64


class JSONTextError(InvalidInput):
    """The text is not JSON that Tsunagu accepts; ``line`` and ``column`` when known."""

    def __init__(self, ja: str, en: str, line: int | None = None, column: int | None = None):
        where_ja = f"{line} 行 {column} 文字目: " if line else ""
        where_en = f"line {line}, column {column}: " if line else ""
        self.reason_ja, self.reason_en = f"{where_ja}{ja}", f"{where_en}{en}"
        self.line, self.column = line, column
        super().__init__(self.reason_ja, self.reason_en)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} は数として使えません / {name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"数 {text[:40]} が大きすぎます / the number {text[:40]} is out of range")
    return value


def _integer(text: str) -> int:
    if len(text) > 40:  # Python refuses thousands of digits with an English-only message
        raise ValueError(f"数 {text[:20]}… が長すぎます / the number {text[:20]}… is too long")
    return int(text)


def loads(data: str | bytes) -> Any:
    """Parse ``data`` (text, or UTF-8/16/32 bytes) as JSON, refusing non-finite numbers, lone
    surrogates, nesting deeper than :data:`MAX_DEPTH` and bytes that are not Unicode."""
    try:
        if isinstance(data, bytes | bytearray):
            # json.loads would decode bytes with "surrogatepass" and let encoded surrogates in
            data = data.decode(json.detect_encoding(data))
        value = json.loads(
            data, parse_constant=_no_constant, parse_float=_finite, parse_int=_integer
        )
    except json.JSONDecodeError as exc:
        raise JSONTextError(
            f"JSON として読めません（{exc.msg}）",
            f"not valid JSON ({exc.msg})",
            exc.lineno,
            exc.colno,
        ) from None
    except UnicodeDecodeError as exc:
        raise JSONTextError(
            f"文字コードが正しくありません（{exc.start} バイト目）",
            f"not valid Unicode text (byte {exc.start})",
        ) from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError as exc:  # the number checks above
        text = str(exc)
        ja, _, en = text.partition(" / ")
        raise JSONTextError(ja, en or text) from None
    _check(value)
    return value


def _too_deep() -> JSONTextError:
    return JSONTextError(
        f"入れ子が深すぎます（{MAX_DEPTH} 段まで）", f"nested deeper than {MAX_DEPTH} levels"
    )


def _check(value: Any) -> None:
    """Refuse lone surrogates in any string or key, and nesting past :data:`MAX_DEPTH`
    (iteratively: the check itself must not run out of stack)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise _too_deep()
            if isinstance(item, dict):
                for key in item:
                    _check_text(key)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise JSONTextError(
            f"対になっていないサロゲート（{text[exc.start]!a}）は文字ではありません",
            f"a lone surrogate ({text[exc.start]!a}) is not a character",
        ) from None
