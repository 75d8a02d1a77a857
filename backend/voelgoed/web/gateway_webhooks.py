"""What the Yoco and Paystack webhook endpoints share (web/yoco_api.py, web/paystack_api.py): they
are answered as every provider's notification is (domain/payments/controllers.answer_notification),
with Yoco's and Paystack's `{"received": true}`. Their "Connect" step is the payment settings'
`POST .../payment-providers/{provider}/connect` (domain/payments/controllers.py)."""

from __future__ import annotations

from litestar import Response


def received() -> Response[dict[str, bool]]:
    """The answer Yoco and Paystack get for a notification taken (verified, duplicate or no action)."""
    return Response({"received": True}, status_code=200)
