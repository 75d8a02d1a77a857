"""Run a payment provider's fake as a process of its own, for the browser tests (e2e/) and by hand:

    python -m tests.fakes.serve paystack --port 8766 --secret-key sk_test_... \
        --webhook-url http://127.0.0.1:8765/api/payments/paystack/webhook
    python -m tests.fakes.serve yoco --port 8767 --secret-key sk_live_...

(from backend/, or with backend/ on PYTHONPATH). The fake answers its vendor's protocol on that port,
with the one account given (Paystack has no webhook API: `--webhook-url` is what the merchant
pastes into its dashboard; Yoco's webhooks are registered by our "Connect Yoco" through its API).

Beside the vendor's protocol, a few control routes under /_fake/ stand in for what happens at the
vendor outside our product, for a test that drives the fake from outside its process:
- GET  /_fake/health           200 once the fake listens (Playwright's webServer waits for it)
- GET  /_fake/deliveries       the webhooks sent so far: [{url, event, body, status_code}] (the
                               event's type, the signed body sent, our notify URL's answer)
- POST /_fake/refund-outcomes  {"succeeded": true|false}: the provider finishes every refund it
                               queued and not yet finished, sending its refund webhook; answers
                               [{refund_id, status_code}] (our notify URL's answers)
"""

from __future__ import annotations

import argparse
import json
import threading
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.paystack import FakePaystack
from tests.fakes.yoco import FakeYoco

CONTROL_PREFIX = "/_fake/"
Answer = tuple[int, dict[str, str], bytes]


def _json(status: int, body: Any) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


class Controlled:
    """The /_fake/ routes in front of one fake; everything else goes to the fake's own handler."""

    def __init__(self, provider: str, fake: FakePaystack | FakeYoco) -> None:
        self.provider = provider
        self.fake = fake
        self.finished: set[str] = set()
        self._lock = threading.Lock()
        self.sent: list[dict[str, Any]] = []
        self._vendor_handle = fake.handle
        self._vendor_post = fake.post

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if not route.startswith(CONTROL_PREFIX):
            return self._vendor_handle(method, path, headers, body)
        name = route.removeprefix(CONTROL_PREFIX).rstrip("/")
        if method == "GET" and name == "health":
            return _json(200, {"provider": self.provider, "ok": True})
        if method == "GET" and name == "deliveries":
            return _json(200, list(self.sent))
        if method == "POST" and name == "refund-outcomes":
            data = json.loads(body) if body else {}
            return _json(200, self.finish_refunds(succeeded=bool(data.get("succeeded", True))))
        return _json(404, {"message": f"No control route {route}"})

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Any:
        """The fake's webhook sender, recording what was sent (the fake keeps only our answers)."""
        delivery = self._vendor_post(url, body, headers)
        event = json.loads(body)
        self.sent.append(
            {
                "url": url,
                "event": event.get("event") or event.get("type"),  # Paystack's key / Yoco's key
                "body": body.decode(),
                "status_code": delivery.status_code,
            }
        )
        return delivery

    def finish_refunds(self, *, succeeded: bool) -> list[dict[str, Any]]:
        """Send the refund webhook of every refund not finished yet (each one once)."""
        answers: list[dict[str, Any]] = []
        with self._lock:
            if isinstance(self.fake, FakePaystack):
                for refund_id in [r for r in list(self.fake.refunds) if str(r) not in self.finished]:
                    self.finished.add(str(refund_id))
                    delivery = self.fake.send_refund_outcome(refund_id, processed=succeeded)
                    answers.append({"refund_id": str(refund_id), "status_code": delivery.status_code})
            else:
                for refund in list(self.fake.refunds.values()):
                    refund_id = str(refund["refundId"])
                    if refund_id in self.finished:
                        continue
                    self.finished.add(refund_id)
                    for delivery in self.fake.send_refund_outcome(refund_id, succeeded=succeeded):
                        answers.append({"refund_id": refund_id, "status_code": delivery.status_code})
        return answers


def start(provider: str, port: int, secret_key: str, webhook_url: str = "", host: str = "127.0.0.1") -> Controlled:
    """Start the fake of `provider` on `port` with one account, behind the /_fake/ routes."""
    fake: FakePaystack | FakeYoco
    if provider == "paystack":
        fake = FakePaystack(host=host, port=port)
        fake.add_account(secret_key, webhook_url)
    elif provider == "yoco":
        fake = FakeYoco(host=host, port=port)
        fake.add_account(secret_key)
    else:
        raise ValueError(f"no runnable fake for {provider!r}: paystack or yoco")
    controlled = Controlled(provider, fake)
    fake.handle = controlled.handle  # type: ignore[method-assign]  # the fake's server calls fake.handle
    fake.post = controlled.post  # type: ignore[method-assign]  # deliver() sends through fake.post
    fake.start()
    return controlled


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("provider", choices=["paystack", "yoco"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--secret-key", required=True, help="the one account's secret key (sk_test_... / sk_live_...)")
    parser.add_argument("--webhook-url", default="", help="Paystack: where its webhooks go (our notify URL)")
    args = parser.parse_args(argv)
    controlled = start(args.provider, args.port, args.secret_key, args.webhook_url, args.host)
    print(f"fake {args.provider} listening on {controlled.fake.base_url}", flush=True)
    threading.Event().wait()  # serve until killed (the server runs in a daemon thread)


if __name__ == "__main__":
    main()
