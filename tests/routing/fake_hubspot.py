"""A fake HubSpot CRM API on 127.0.0.1 (a threaded http.server) that keeps contacts, notes,
owners and deals, records every call, and answers as HubSpot documents: search results,
`409 Conflict` "Contact already exists. Existing ID: N" on a second contact with an e-mail,
and whatever faults a test queues (429 with Retry-After, 5xx). Nothing reaches the internet.

with FakeHubSpot() as hubspot:
    hubspot.fail(429, headers={"Retry-After": "7"})   # the next call answers this
    ... settings.HUBSPOT_API_BASE = hubspot.url ...
    hubspot.calls  -> [(method, path, json body), ...]
"""

import itertools
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Call:
    method: str
    path: str
    body: dict
    authorization: str


@dataclass
class FakeHubSpot:
    contacts: dict[str, dict] = field(default_factory=dict)
    notes: dict[str, dict] = field(default_factory=dict)
    owners: list[dict] = field(default_factory=list)
    deals: dict[str, dict] = field(default_factory=dict)
    deal_contacts: dict[str, list[str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    faults: list[tuple[int, dict, dict, str]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(501))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(
        self, status: int, body: dict | None = None, headers: dict | None = None, path: str = ""
    ) -> None:
        """The next call (to a path starting with `path`) answers `status` (HubSpot's error
        shape unless a body is given)."""
        self.faults.append(
            (
                status,
                body or {"status": "error", "message": f"fault {status}", "category": "ERROR"},
                headers or {},
                path,
            )
        )

    def add_contact(self, **properties) -> str:
        contact_id = str(next(self._ids))
        self.contacts[contact_id] = dict(properties)
        return contact_id

    def calls_to(self, method: str, prefix: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.startswith(prefix)]

    # --- the API ------------------------------------------------------------------------

    def _answer(self, method: str, path: str, body: dict) -> tuple[int, dict, dict]:
        for fault in self.faults:
            if path.startswith(fault[3]):
                self.faults.remove(fault)
                return fault[:3]
        url = urllib.parse.urlsplit(path)
        parts = url.path.strip("/").split("/")
        if url.path == "/crm/v3/objects/contacts/search" and method == "POST":
            (flt,) = body["filterGroups"][0]["filters"]
            found = [
                {"id": cid, "properties": props}
                for cid, props in self.contacts.items()
                if props.get(flt["propertyName"]) == flt["value"]
            ]
            return 200, {"total": len(found), "results": found[: body.get("limit", 10)]}, {}
        if url.path == "/crm/v3/objects/contacts" and method == "POST":
            email = body["properties"].get("email")
            for cid, props in self.contacts.items():
                if email and props.get("email") == email:
                    return (
                        409,
                        {
                            "status": "error",
                            "message": f"Contact already exists. Existing ID: {cid}",
                            "correlationId": "b7e0c8b0-0000-4000-8000-000000000000",
                            "category": "CONFLICT",
                        },
                        {},
                    )
            cid = self.add_contact(**body["properties"])
            return 201, {"id": cid, "properties": self.contacts[cid]}, {}
        if parts[:4] == ["crm", "v3", "objects", "contacts"] and method == "PATCH":
            cid = parts[4]
            if cid not in self.contacts:
                return 404, {"status": "error", "message": "resource not found"}, {}
            self.contacts[cid].update(body["properties"])
            return 200, {"id": cid, "properties": self.contacts[cid]}, {}
        if url.path == "/crm/v3/objects/notes" and method == "POST":
            nid = str(next(self._ids))
            self.notes[nid] = body
            return 201, {"id": nid, "properties": body["properties"]}, {}
        if url.path.rstrip("/") == "/crm/v3/owners" and method == "GET":
            archived = urllib.parse.parse_qs(url.query).get("archived") == ["true"]
            return 200, {"results": [o for o in self.owners if o.get("archived") == archived]}, {}
        if parts[:4] == ["crm", "v3", "objects", "deals"] and method == "GET":
            deal = self.deals.get(parts[4])
            if deal is None:
                return 404, {"status": "error", "message": "resource not found"}, {}
            return 200, {"id": parts[4], "properties": deal}, {}
        if parts[:3] == ["crm", "v4", "objects"] and parts[5] == "associations":
            if parts[3] == "deals":
                ids = self.deal_contacts.get(parts[4], [])
            else:
                ids = [d for d, cs in self.deal_contacts.items() if parts[4] in cs]
            return (
                200,
                {"results": [{"toObjectId": int(i), "associationTypes": []} for i in ids]},
                {},
            )
        return 404, {"status": "error", "message": f"no route {method} {url.path}"}, {}

    def __enter__(self) -> "FakeHubSpot":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                body = json.loads(raw) if raw else {}
                with fake._lock:
                    fake.calls.append(
                        Call(self.command, self.path, body, self.headers.get("Authorization", ""))
                    )
                    status, answer, headers = fake._answer(self.command, self.path, body)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = _handle

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
