"""A property test over /hooks/openapi.json: bodies and headers generated from the document never get a 5xx.

An equivalent of schemathesis without the extra dependency: each operation's request schema is turned into a
Hypothesis strategy (valid values from the schema mixed with arbitrary JSON), most requests are signed properly
so they reach the provisioning code and the mock Hestia, and the rest carry generated header values.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from provisioning_support import Mock, build_panel, panel_settings, sign

HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80)
ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)


def value_strategy(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that fit the schema, often, and arbitrary JSON, sometimes."""
    if "const" in schema:
        fitting: st.SearchStrategy[Any] = st.just(schema["const"])
    elif "properties" in schema:
        fitting = object_strategy(schema)
    elif "pattern" in schema:
        fitting = st.from_regex(schema["pattern"], fullmatch=True)
    elif schema.get("type") == "string":
        fitting = st.text(min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 40), 40))
    else:
        fitting = ANY_JSON
    return st.one_of(fitting, fitting, fitting, ANY_JSON)


def object_strategy(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An object with the required properties, some optional ones, and maybe an unknown one."""
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    return st.fixed_dictionaries(
        {name: value_strategy(sub) for name, sub in properties.items() if name in required},
        optional={name: value_strategy(sub) for name, sub in properties.items() if name not in required}
        | {"extra": ANY_JSON},
    )


def test_no_generated_request_gets_a_5xx(mock: Mock) -> None:
    app = build_panel(panel_settings())
    client = app.test_client()
    document = client.get("/hooks/openapi.json").get_json()
    operations = [(path, item["post"]["requestBody"]["content"]["application/json"]["schema"])
                  for path, item in document["paths"].items()]

    @st.composite
    def requests(draw: st.DrawFn) -> tuple[str, bytes, dict[str, str]]:
        path, schema = draw(st.sampled_from(operations))
        body = json.dumps(draw(object_strategy(schema))).encode()
        timestamp = str(int(time.time()) + draw(st.integers(-400, 400)))
        headers = {"Content-Type": "application/json", "X-Puq-Reseller": "reseller-a", "X-Puq-Timestamp": timestamp,
                   "X-Puq-Signature": sign("demo-reseller-a-secret", timestamp, body)}
        if draw(st.booleans()):
            headers["Idempotency-Key"] = draw(HEADER_TEXT)
        if draw(st.integers(0, 4)) == 0:  # now and then, a generated value in place of a real one
            headers[draw(st.sampled_from(sorted(headers)))] = draw(HEADER_TEXT)
        return path, body, headers

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(requests())
    def check(request: tuple[str, bytes, dict[str, str]]) -> None:
        path, body, headers = request
        response = client.post(path, data=body, headers=headers)
        assert response.status_code < 500, (path, body, headers, response.get_data(as_text=True))
        assert response.get_json()["result"] in ("success", "error")

    check()
