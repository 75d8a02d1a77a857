"""The texts of the e-mails we send. Plain text first: it reads well on every phone."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


def password_reset(*, to: str, name: str, link: str) -> Mail:
    return Mail(
        to=to,
        subject="Reset your VoelgoedEvents password",
        text=(
            f"Hi {name},\n\n"
            "Someone (hopefully you) asked to reset the password of your VoelgoedEvents account.\n"
            f"Open this link within an hour to choose a new one:\n\n{link}\n\n"
            "If you did not ask for this, ignore this e-mail: your password stays as it is.\n"
        ),
    )


def invitation(*, to: str, organization_name: str, inviter_name: str, role: str, link: str) -> Mail:
    return Mail(
        to=to,
        subject=f"{inviter_name} invited you to {organization_name} on VoelgoedEvents",
        text=(
            f"Hi,\n\n{inviter_name} invited you to join {organization_name} on VoelgoedEvents "
            f"as {role.replace('_', ' ')}.\n\n"
            f"Accept the invitation (valid for 7 days):\n\n{link}\n\n"
            "If you do not know this organisation, ignore this e-mail.\n"
        ),
    )
