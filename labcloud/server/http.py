"""The request and response every service handler sees, independent of the ASGI details."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote


@dataclass
class Request:
    method: str
    path: str  # percent-decoded
    raw_path: str  # as sent, still percent-encoded
    query_string: str
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.query_string, keep_blank_values=True))

    @property
    def signing_name(self) -> str | None:
        """The service name from the SigV4 credential scope: how AWS itself tells services apart."""
        auth = self.headers.get("authorization", "")
        marker = "Credential="
        if marker not in auth:
            return None
        scope = auth.split(marker, 1)[1].split(",", 1)[0].split("/")
        return scope[3] if len(scope) >= 5 else None

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # a file to stream instead of body: (path, offset, length)
    file: tuple[str, int, int] | None = None


def decode_path(raw: str) -> str:
    return unquote(raw)
