"""Which files a web visitor may send: checked by name and declared type before any byte is kept.

The allowed kinds are the ones a support desk asks for (screenshots, logs, documents, archives).
Anything a browser could run or render as a page (HTML, SVG, scripts, programs) is refused,
whatever type the browser declared: the type an agent's browser would trust comes from the
extension, so the extension must be one of ours and the declared type must agree with it.
"""

from __future__ import annotations

import re

from chatdesk.core.text import clean

ALLOWED: dict[str, tuple[str, ...]] = {
    ".png": ("image/png",),
    ".jpg": ("image/jpeg",),
    ".jpeg": ("image/jpeg",),
    ".gif": ("image/gif",),
    ".webp": ("image/webp",),
    ".pdf": ("application/pdf",),
    ".txt": ("text/plain",),
    ".log": ("text/plain", "text/x-log"),
    ".csv": ("text/csv", "text/plain", "application/vnd.ms-excel"),
    ".json": ("application/json", "text/plain"),
    ".zip": ("application/zip", "application/x-zip-compressed"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",),
    ".odt": ("application/vnd.oasis.opendocument.text",),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet",),
}
GENERIC = ("", "application/octet-stream")  # browsers send these for types they do not know
NAME_LIMIT = 300


def clean_name(name: str) -> str:
    """The name without any folder part or control characters (``..\\evil`` is ``evil``)."""
    base = re.split(r"[\\/]", name)[-1]
    return clean(base, lines=False).strip()[:NAME_LIMIT]


def content_type(name: str, declared: str) -> str | None:
    """The type to keep the file as, or None when this file may not be sent."""
    cleaned = clean_name(name)
    if not cleaned or cleaned.startswith("."):
        return None
    extension = "." + cleaned.rsplit(".", 1)[-1].lower() if "." in cleaned else ""
    types = ALLOWED.get(extension)
    if types is None:
        return None
    declared = declared.split(";")[0].strip().lower()
    if declared in GENERIC:
        return types[0]
    return declared if declared in types else None
