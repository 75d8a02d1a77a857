"""The e-mails of personal data requests (plain text: they read well on every phone)."""

from __future__ import annotations

from voelgoed.domain.notifications.messages import Mail

_WHAT = {"export": "a copy of your personal data", "erasure": "the erasure of your personal data"}


def confirm_request(*, to: str, kind: str, organisations: list[str], link: str) -> Mail:
    listed = "\n".join(f"- {name}" for name in organisations)
    return Mail(
        to=to,
        subject="Confirm your personal data request",
        text=(
            "Hello,\n\n"
            f"Someone (hopefully you) asked on VoelgoedEvents for {_WHAT[kind]}. These organisers hold "
            f"data for this e-mail address:\n\n{listed}\n\n"
            f"To confirm the request, open this link within 24 hours:\n\n{link}\n\n"
            "Each organiser then handles it and e-mails you when it is done.\n"
            "If you did not ask for this, ignore this e-mail: nothing happens without your confirmation.\n"
        ),
    )


def export_ready(*, to: str, organiser: str, link: str, reply_to: str | None) -> Mail:
    return Mail(
        to=to,
        subject=f"Your personal data held by {organiser}",
        text=(
            "Hello,\n\n"
            f"{organiser} has prepared a copy of the personal data it holds about this e-mail address, "
            "as you asked. Download it (a JSON file) within 7 days:\n\n"
            f"{link}\n\n"
            "Keep this link private: anyone with it can download the file.\n"
            "Questions? Reply to this e-mail.\n"
        ),
        reply_to=reply_to,
    )


def erasure_done(*, to: str, organiser: str, kept: list[str], reply_to: str | None) -> Mail:
    kept_text = "".join(f"- {k}\n" for k in kept)
    return Mail(
        to=to,
        subject=f"{organiser} erased your personal data",
        text=(
            "Hello,\n\n"
            f"{organiser} has erased the personal data it held about this e-mail address, as you asked: "
            "your name, e-mail address and phone number on your orders, the names on your tickets and your "
            "billing details.\n\n"
            "The law requires some records to be kept as they are:\n"
            f"{kept_text}\n"
            "This is the last e-mail you will receive about it.\n"
        ),
        reply_to=reply_to,
    )


def request_rejected(*, to: str, organiser: str, kind: str, reason: str, reply_to: str | None) -> Mail:
    return Mail(
        to=to,
        subject=f"{organiser} could not complete your personal data request",
        text=(
            "Hello,\n\n"
            f"{organiser} did not complete your request for {_WHAT[kind]}.\n\n"
            f"Their reason: {reason}\n\n"
            "Questions? Reply to this e-mail. You may also complain to the Information Regulator "
            "(https://inforegulator.org.za).\n"
        ),
        reply_to=reply_to,
    )
