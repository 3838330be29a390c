"""WhatsApp click-to-chat links (``https://wa.me/<number>?text=...``): the organiser's links to participants
without e-mail, and the participant's agenda link to a counterpart.

Indonesian numbers are written many ways (``0812-3456-789``, ``+62 812 ...``, ``62812...``, ``812...``);
wa.me wants the international number in digits only: ``62`` and the number without its leading 0.
"""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["whatsapp_link", "whatsapp_number"]

_NOT_DIGIT = re.compile(r"\D")


def whatsapp_number(phone: str | None) -> str | None:
    """The number wa.me wants (``6281234567``), or None when ``phone`` holds no plausible number.

    ``0812-3456-789`` -> ``628123456789``; ``+62 812 ...``, ``0062 812 ...`` and ``62812...`` keep their
    country code; ``812 ...`` (a mobile number without its leading 0) gets ``62``; of ``"0812... / 0813..."``
    the first number."""
    if not phone:
        return None
    first = phone.split("/")[0].split(",")[0]
    digits = _NOT_DIGIT.sub("", first)
    if first.strip().startswith("+"):
        pass  # already international
    elif digits.startswith("00"):  # 0062 ...: the international prefix
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = "62" + digits.lstrip("0")
    elif digits.startswith("8"):
        digits = "62" + digits
    return digits if 10 <= len(digits) <= 15 else None


def whatsapp_link(phone: str | None, text: str) -> str | None:
    """The click-to-chat link opening a chat with ``phone`` and ``text`` typed in, or None (no number)."""
    number = whatsapp_number(phone)
    if number is None:
        return None
    return f"https://wa.me/{number}?text={quote(text, safe='')}"
