"""E-mail over SMTP."""

from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage

from .base import Outgoing, PermanentFailure, ProviderDown, TransientFailure


class SmtpEmail:
    def __init__(self, name: str, host: str, port: int, sender: str, timeout: float = 10) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout

    def send(self, message: Outgoing) -> str:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.address
        email["Subject"] = message.title
        email["Message-ID"] = f"<{message.delivery_id}@pavilion>"
        email.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(email)
        except (ConnectionRefusedError, socket.gaierror) as exc:
            raise ProviderDown(f"{self.name}: {exc}") from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"{self.name}: {exc}") from None
        except smtplib.SMTPResponseException as exc:
            failure = PermanentFailure if 500 <= exc.smtp_code < 600 else TransientFailure
            raise failure(f"{self.name}: {exc.smtp_code} {exc.smtp_error!r}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientFailure(f"{self.name}: {exc}") from None
        return email["Message-ID"]
