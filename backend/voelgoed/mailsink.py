"""A local SMTP server that captures every message into the data folder (embedded default), so
the real SMTP path is exercised in development and tests while nothing leaves the machine."""

from __future__ import annotations

import socket
from typing import Any

from voelgoed.devservices import import_embedded
from voelgoed.lib.mail import write_to_folder
from voelgoed.settings import Settings


class _FolderHandler:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        write_to_folder(self.settings, envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_mail_sink(settings: Settings, port: int | None = None) -> Any:
    aiosmtpd = import_embedded("aiosmtpd.controller", "SMTP_HOST")
    controller = aiosmtpd.Controller(_FolderHandler(settings), hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return controller
