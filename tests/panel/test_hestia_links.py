"""The File-manager and HestiaCP-settings buttons lead to a page of the mock, never a 404 (issue 19 Must 8)."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from panel_testing import HESTIA_URL


def _href(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}" href="([^"]+)"', page)
    assert match, element_id
    return html.unescape(match.group(1))


def test_the_demo_links_into_hestia_answer_with_what_hestia_would_show(alice: FlaskClient,
                                                                       mock_app: Flask) -> None:
    page = alice.get("/ftp/alice.example").get_data(as_text=True)
    expected = {"file-manager": "HestiaCP's file manager (FileGator)",
                "hestia-settings": "settings of the web domain <code>alice.example</code>"}
    for element_id, text in expected.items():
        link = _href(page, element_id)
        assert link.startswith(HESTIA_URL)  # the server's panel_url: the mock in the demo
        parts = urlsplit(link)
        answer = mock_app.test_client().get(parts.path, query_string=parts.query)
        assert answer.status_code == 200, link
        assert text in answer.get_data(as_text=True)
