"""Every URL the README promises (`http://localhost:8000/...`) answers on the running product.

The README is read as it is: each localhost URL in it is requested against the test product (its
port instead of 8000) and must not answer 4xx/5xx. A URL added to the README that the product
does not serve fails here."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.conftest import Stack
from voelgoed.settings import REPO_ROOT

README = REPO_ROOT / "README.md"
URL = re.compile(r"http://localhost:8000(/[^\s|,)`>\]]*)?")

# The single-page apps are built by `./vg dev` (and by `./vg test` before the backend tests);
# a bare pytest run on a fresh clone has no build to serve.
BUILT_APPS = {"/app/": REPO_ROOT / "organiser_app" / "build", "/scanner/": REPO_ROOT / "scanner_pwa" / "dist"}


def readme_paths() -> list[str]:
    return sorted({m.group(1) or "/" for m in URL.finditer(README.read_text(encoding="utf-8"))})


def test_the_readme_names_the_product_urls() -> None:
    """The parser finds the README's URL table (a test over nothing would prove nothing)."""
    paths = readme_paths()
    assert {"/app/", "/", "/health", "/ready"} <= set(paths), paths


@pytest.mark.parametrize("path", readme_paths())
async def test_readme_url_answers(path: str, stack: Stack) -> None:
    app_build: Path | None = BUILT_APPS.get(path)
    if app_build is not None and not (app_build / "index.html").is_file():
        pytest.skip(f"{app_build.relative_to(REPO_ROOT)} is not built (npm run build)")
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as browser:
        response = await browser.get(path, headers={"Accept": "text/html,application/json;q=0.9,*/*;q=0.8"})
    assert response.status_code < 400, f"README names http://localhost:8000{path}: {response.status_code}"


async def test_api_base_url_links_to_the_spec_and_the_docs(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as api:
        index = await api.get("/api")
        assert index.status_code == 200
        links = index.json()
        for name in ("openapi", "docs", "health", "ready"):
            assert (await api.get(links[name])).status_code == 200, (name, links[name])
        spec = (await api.get(links["openapi"])).json()
        assert spec["info"]["title"] == links["name"]
        assert spec["info"]["version"] == links["version"]  # the API's version, not the package's
