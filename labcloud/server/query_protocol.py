"""AWS Query protocol (form POST with `Action=`, XML answers): STS and IAM."""
from __future__ import annotations

import uuid
from typing import Callable
from xml.sax.saxutils import escape

from .errors import AWSError
from .http import Request, Response

Handler = Callable[[dict[str, str]], str]  # returns the inner XML of <ActionResult>


class QueryService:
    def __init__(self, namespace: str):
        self.namespace = namespace  # e.g. https://sts.amazonaws.com/doc/2011-06-15/
        self.handlers: dict[str, Handler] = {}

    def action(self, name: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.handlers[name] = fn
            return fn
        return register

    def handle(self, request: Request) -> Response:
        params = {**request.query, **(request.form() if request.body else {})}
        action = params.get("Action", "")
        request_id = str(uuid.uuid4())
        try:
            if action not in self.handlers:
                raise AWSError("InvalidAction", f"Could not find operation {action} for version "
                               f"{params.get('Version', '')}")
            inner = self.handlers[action](params)
        except AWSError as err:
            body = (f'<ErrorResponse xmlns="{self.namespace}"><Error><Type>'
                    f'{"Sender" if err.sender_fault else "Receiver"}</Type><Code>{escape(err.code)}'
                    f'</Code><Message>{escape(err.message)}</Message></Error>'
                    f'<RequestId>{request_id}</RequestId></ErrorResponse>')
            return Response(err.status, body.encode(), {"content-type": "text/xml"})
        body = (f'<{action}Response xmlns="{self.namespace}"><{action}Result>{inner}'
                f'</{action}Result><ResponseMetadata><RequestId>{request_id}</RequestId>'
                f'</ResponseMetadata></{action}Response>')
        return Response(200, body.encode(), {"content-type": "text/xml"})


def xml_fields(fields: dict) -> str:
    """Render a flat or nested dict as XML elements (lists as <member> items)."""
    out = []
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, dict):
            out.append(f"<{key}>{xml_fields(value)}</{key}>")
        elif isinstance(value, list):
            items = "".join(f"<member>{xml_fields(v) if isinstance(v, dict) else escape(str(v))}</member>"
                            for v in value)
            out.append(f"<{key}>{items}</{key}>")
        elif isinstance(value, bool):
            out.append(f"<{key}>{'true' if value else 'false'}</{key}>")
        else:
            out.append(f"<{key}>{escape(str(value))}</{key}>")
    return "".join(out)
