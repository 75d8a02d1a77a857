"""The Swagger UI page carries the whole spec in an inline script: nothing in the spec may end that
script early. The widget snippet's example (`<script ...></script>`) did, and the page showed the rest
of the spec as text instead of the docs (e2e/api-docs.spec.ts caught it in the browser)."""

from __future__ import annotations

import json
import re

from tests.conftest import Api


async def test_the_docs_page_embeds_the_spec_as_one_script(client: Api) -> None:
    page = await client.get("/schema/swagger")
    assert page.status_code == 200
    html = page.text
    spec = (await client.get("/schema/openapi.json")).json()
    assert "</script>" in json.dumps(spec)  # the spec itself does hold such text (an example)
    scripts = re.findall(r"<script type='text/javascript'>(.*?)</script>", html, flags=re.S)
    assert len(scripts) == 1
    embedded = re.search(r"spec:\s*(\{.*\}),\s*dom_id:", scripts[0], flags=re.S)
    assert embedded is not None
    assert "<" not in embedded.group(1) and ">" not in embedded.group(1)
    assert json.loads(embedded.group(1)) == spec  # the same document, only escaped
