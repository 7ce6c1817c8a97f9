"""The server serves the page at / from the package, beside the API."""

from __future__ import annotations

import re

import httpx
import pytest

from pagila_graph.app import WEB_APP_DIR


async def test_the_page_and_its_assets_are_served(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page.text)
    assert assets, page.text
    for asset in assets:
        response = await client.get(asset)
        assert response.status_code == 200, asset
        assert response.content == (WEB_APP_DIR / asset.lstrip("/")).read_bytes()
    # nothing from elsewhere: no CDN at run time
    assert not re.search(r"""(?:src|href)=["']https?://""", page.text)


async def test_the_api_is_still_the_api(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ films(first: 1) { nodes { title } } }"}
    )
    assert response.status_code == 200 and response.json()["data"]["films"]["nodes"]
    assert (await client.get("/healthz")).json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/nope", "/assets/nope.js", "/../pyproject.toml"])
async def test_unknown_paths_are_404(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404
