"""S3's XML: building response documents and reading request documents.

Responses are built as text with every value escaped; characters XML 1.0 cannot carry (a
key may hold any of them) become numeric references rather than breaking the document.
Request documents are read namespace-blind (clients differ in whether they send S3's
namespace), and anything unreadable is S3's MalformedXML.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import quote_plus

from .errors import malformed_xml

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
OWNER_ID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
OWNER_NAME = "labcloud"

# control characters XML 1.0 forbids, and \r, which parsers would turn into \n
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]")


def esc(value: object) -> str:
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _INVALID.sub(lambda m: f"&#{ord(m.group())};", text)


def el(tag: str, value: object | None) -> str:
    """<tag>value</tag>; nothing for None; booleans as S3 writes them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{tag}>{esc(value)}</{tag}>"


def raw(tag: str, inner: str) -> str:
    """<tag> around already-rendered XML."""
    return f"<{tag}>{inner}</{tag}>"


def document(root: str, inner: str) -> bytes:
    return f'{DECLARATION}<{root} xmlns="{NS}">{inner}</{root}>'.encode("utf-8")


def iso(ts: float) -> str:
    """S3's timestamps in XML: whole seconds, like its HTTP dates, so the two agree."""
    return datetime.fromtimestamp(int(ts), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def http_date(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")


def url_encode(value: str) -> str:
    """EncodingType=url as S3 applies it (botocore decodes it with unquote_plus)."""
    return quote_plus(value, safe="/")


def owner() -> str:
    return raw("Owner", el("ID", OWNER_ID) + el("DisplayName", OWNER_NAME))


def error_document(code: str, message: str, fields: dict, request_id: str, host_id: str) -> bytes:
    extra = "".join(el(k, v) for k, v in fields.items())
    return (f"{DECLARATION}<Error>{el('Code', code)}{el('Message', message)}{extra}"
            f"{el('RequestId', request_id)}{el('HostId', host_id)}</Error>").encode("utf-8")


# ---- reading request documents ---------------------------------------------------------------
def parse(body: bytes) -> ET.Element:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise malformed_xml()
    for node in root.iter():
        if isinstance(node.tag, str) and "}" in node.tag:
            node.tag = node.tag.split("}", 1)[1]
    return root


def text(node: ET.Element, tag: str) -> str | None:
    child = node.find(tag)
    return None if child is None else (child.text or "")
