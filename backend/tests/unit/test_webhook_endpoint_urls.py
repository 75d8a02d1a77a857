"""Which URLs may be webhook endpoints (safe_http.check_target_url, the one rule set used at
creation/update and, through url_refusal and GuardedBackend, at send time): the production rules
(https, public hosts only) with a stand-in resolver, and the rules everywhere."""

from __future__ import annotations

import httpx
import pytest

from voelgoed.domain.webhooks.safe_http import check_target_url, delivery_client, is_public_address, url_refusal
from voelgoed.lib.problems import Unprocessable
from voelgoed.settings import WebhookSettings

PRODUCTION = WebhookSettings(allow_private_targets=False, require_https=True)
DEVELOPMENT = WebhookSettings(allow_private_targets=True, require_https=False)


def resolver(*addresses: str):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        if not addresses:
            raise OSError("Name or service not known")
        return list(addresses)

    return resolve


@pytest.mark.parametrize(
    "address",
    ["10.1.2.3", "172.16.0.9", "192.168.1.1", "127.0.0.1", "169.254.169.254", "::1", "fe80::1", "fc00::1",
     "::ffff:10.0.0.1", "0.0.0.0", "100.64.0.1", "224.0.0.1"],
)  # fmt: skip
def test_non_public_addresses(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "2001:4860:4860::8888", "41.0.0.1"])
def test_public_addresses(address: str) -> None:
    assert is_public_address(address)


async def test_production_needs_https_and_a_public_host() -> None:
    public = resolver("93.184.215.14")
    assert (
        await check_target_url(" https://example.com/hook ", PRODUCTION, resolve=public) == "https://example.com/hook"
    )
    for url, resolve in [
        ("http://example.com/hook", public),
        ("https://internal.example.com/hook", resolver("10.0.0.5")),
        ("https://mixed.example.com/hook", resolver("93.184.215.14", "127.0.0.1")),  # any private one refuses
        ("https://127.0.0.1/hook", public),  # an address literal is checked as it is
        ("https://[::1]/hook", public),
        ("https://169.254.169.254/latest/meta-data", public),
        ("https://nowhere.invalid/hook", resolver()),
    ]:
        with pytest.raises(Unprocessable) as refused:
            await check_target_url(url, PRODUCTION, resolve=resolve)
        assert refused.value.errors and refused.value.errors[0].field == "url", url
        if not url.startswith("https://nowhere") and "example.com" not in url:
            assert url_refusal(url, PRODUCTION), url  # the same rules refuse it at send time


async def test_outside_production_local_receivers_are_allowed() -> None:
    never = resolver()  # not asked: no address checks while private targets are allowed
    assert await check_target_url("http://127.0.0.1:8080/in", DEVELOPMENT, resolve=never) == "http://127.0.0.1:8080/in"
    assert url_refusal("http://127.0.0.1:8080/in", DEVELOPMENT) is None


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "javascript:alert(1)", "https://user:pw@example.com/", "https://:pw@example.com/",
     "https:///path", "", "https://example.com:99999/", "x" * 2001],
)  # fmt: skip
async def test_refused_everywhere(url: str) -> None:
    with pytest.raises(Unprocessable):
        await check_target_url(url, DEVELOPMENT)
    assert url_refusal(url, DEVELOPMENT) is not None and url_refusal(url, PRODUCTION) is not None


async def test_the_delivery_client_keeps_no_cookies() -> None:
    """A receiver's Set-Cookie is never stored: it would go with other organisations' deliveries
    to the same host (the dispatcher's client lives as long as its worker)."""
    async with delivery_client(DEVELOPMENT) as client:
        request = httpx.Request("POST", "https://hooks.example.com/org-a")
        answer = httpx.Response(200, headers={"set-cookie": "sid=org-a; Path=/"}, request=request)
        client.cookies.extract_cookies(answer)
        assert len(client.cookies.jar) == 0
        assert "cookie" not in client.build_request("POST", "https://hooks.example.com/org-b").headers
