"""graph.model.json_writer: the same text as the encoder it is made from (the content hashes
stored in every store depend on these bytes), for the values records and events hold."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from graph.model import content_json, json_writer

VALUES: list[Any] = [
    {"b": 1, "a": [3, 2, {"z": None, "y": True}], "名前": "みどり川を守る会"},
    {"text": 'quote " backslash \\ tab \t line\n cr\r nul\x00 del\x7f c1\x85 ls\u2028'},
    {"float": 0.1, "big": 1e16, "small": 1e-7, "neg": -0.0, "int": 10**20},
    {"emoji": "👩‍👩‍👧 🏘", "kana": "ｶﾀｶﾅ", "empty": "", "list": [], "dict": {}},
    {"nested": {"deeper": {"deepest": ["x", 1.5, False]}}, "unsorted": {"c": 1, "a": 2}},
    ["top level list", {"k": "v"}],
    "a plain string",
    42,
    None,
]

ENCODERS = [
    json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")),
    json.JSONEncoder(ensure_ascii=False, sort_keys=True, allow_nan=False),
    json.JSONEncoder(ensure_ascii=False, sort_keys=True, check_circular=False, default=str),
    json.JSONEncoder(),  # ensure_ascii, insertion order, default separators
]


@pytest.mark.parametrize("encoder", ENCODERS, ids=["content", "props", "events", "default"])
@pytest.mark.parametrize("value", VALUES)
def test_the_writer_writes_what_the_encoder_writes(encoder: json.JSONEncoder, value: Any) -> None:
    assert json_writer(encoder)(value) == encoder.encode(value)


def test_content_json_is_the_canonical_dumps() -> None:
    for value in VALUES:
        assert content_json(value) == json.dumps(
            value, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )


def test_refusals_are_the_encoders() -> None:
    props = json_writer(json.JSONEncoder(ensure_ascii=False, sort_keys=True, allow_nan=False))
    with pytest.raises(ValueError):
        props({"lat": math.nan})
    with pytest.raises(TypeError):
        props({"when": object()})
    # after a refusal the writer still works (nothing is left over from the failed value)
    assert props({"a": [1]}) == '{"a": [1]}'
    events = json_writer(json.JSONEncoder(sort_keys=True, default=str))
    assert events({"day": 1, "obj": complex(1, 2)}) == '{"day": 1, "obj": "(1+2j)"}'
