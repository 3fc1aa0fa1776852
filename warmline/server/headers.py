"""Security headers on every HTTP response, and a content policy for the two pages.

Every response says `nosniff` (a JSON body is never run as a script) and sends no
referrer (a console URL or a conversation's page never leaks to a linked article).
The console (and the supervisors' page, which is built the same way) and the demo page
each get a Content-Security-Policy listing exactly what
they load: their own scripts and styles from /static, the favicon as a data URL, and
the WebSocket to this server. Neither runs inline script. The demo page keeps inline
styles because it is a self-contained sample page and because the widget draws
itself with a `<style>` element inside its shadow root (host sites need the same
`style-src 'unsafe-inline'`). The console may not be framed at all (clickjacking an
agent who can reveal personal data); the demo page only by itself.

The policy follows the page, not the route: the same files under /static get the same
headers, and any other HTML response (an error page, the API docs when `api_docs` is
on) gets the console's strict policy or, for the docs, one naming the CDN their
scripts come from, so no HTML is ever served without a policy or frame protection.

`widget.js` itself gets no policy and no cross-origin restriction: a CSP on a script
response has no effect, and a Cross-Origin-Resource-Policy would stop other sites
from embedding it. No CORS headers either: the widget talks over WebSocket (which
CORS does not govern; `gate.py` checks its Origin), and every REST route is called
from this server's own pages or by server-side tools, so CORS would only widen access.
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EVERY_RESPONSE = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

_PAGE_BASE = (
    "default-src 'none'; script-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'"
)
CONSOLE = {
    "Content-Security-Policy": f"{_PAGE_BASE}; style-src 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
}
DEMO = {
    "Content-Security-Policy": f"{_PAGE_BASE}; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
}
_CDN = "https://cdn.jsdelivr.net"
API_DOCS = {
    "Content-Security-Policy": f"default-src 'none'; script-src {_CDN} 'unsafe-inline'; "
    f"style-src {_CDN} https://fonts.googleapis.com 'unsafe-inline'; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https:; connect-src 'self'; "
    "worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
}
PAGES = {
    "/console": CONSOLE,
    "/static/console.html": CONSOLE,
    "/supervisor": CONSOLE,
    "/static/supervisor.html": CONSOLE,
    "/": DEMO,
    "/static/demo.html": DEMO,
    "/docs": API_DOCS,
    "/redoc": API_DOCS,
}


def _is_html(headers: MutableHeaders) -> bool:
    return headers.get("content-type", "").lower().startswith("text/html")


class SecurityHeaders:
    """ASGI middleware: WebSockets pass untouched, HTTP responses get the headers above;
    an HTML response gets its page's policy, or the console's when no page is listed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        page = PAGES.get(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                extra = EVERY_RESPONSE | (page or (CONSOLE if _is_html(headers) else {}))
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
