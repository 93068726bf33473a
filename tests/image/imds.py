#!/usr/bin/env python3
"""A fake EC2 instance metadata service (IMDSv2 only) for the image tests.

Listens on 127.0.0.1 only; qemu's guestfwd carries the guest's connections to
169.254.169.254:80 here. Like EC2 with "HttpTokens: required":

  PUT /latest/api/token  needs X-aws-ec2-metadata-token-ttl-seconds (1..21600) and
                         answers a token; a PUT with X-Forwarded-For is refused (403).
  GET anything else      needs a live X-aws-ec2-metadata-token, else 401.

Serves user-data (the Letterbox TOML config), a few meta-data keys, instance tags
(letterbox:* among them) and one SSH public key. Each request is logged as one line
"METHOD PATH STATUS" to --log, so a test can see who asked for what.

  imds.py --port-file F --log F --user-data F [--ssh-key F] [--tag KEY=VALUE ...]
"""

import argparse
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_TTL_SECONDS = 21600


class Metadata:
    def __init__(self, user_data: bytes, ssh_key: str | None, tags: dict[str, str]):
        self.user_data = user_data
        self.tags = tags
        self.tree: dict[str, str] = {
            "ami-id": "ami-0123456789abcdef0",
            "hostname": "ip-169-254-0-15.ec2.internal",
            "instance-id": "i-0123456789abcdef0",
            "instance-type": "t3.small",
            "local-ipv4": "169.254.0.15",
            "public-ipv4": "192.0.2.10",  # TEST-NET-1: documentation only, never routed.
            "placement/availability-zone": "eu-west-1a",
            "placement/region": "eu-west-1",
        }
        for key, value in tags.items():
            self.tree[f"tags/instance/{key}"] = value
        if ssh_key:
            self.tree["public-keys/0/openssh-key"] = ssh_key.strip() + "\n"

    def meta_data(self, path: str) -> str | None:
        """A leaf's value, or a directory listing as EC2 prints it, or None."""
        path = path.strip("/")
        if path in self.tree:
            return self.tree[path]
        if path == "public-keys" and "public-keys/0/openssh-key" in self.tree:
            return "0=letterbox-test"
        prefix = path + "/" if path else ""
        children = sorted({k[len(prefix):].split("/")[0] + ("/" if "/" in k[len(prefix):] else "")
                           for k in self.tree if k.startswith(prefix)})
        return "\n".join(children) if children else None


class Tokens:
    def __init__(self):
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}

    def issue(self, ttl: int) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._expiry[token] = time.monotonic() + ttl
        return token

    def valid(self, token: str | None) -> bool:
        with self._lock:
            return token is not None and self._expiry.get(token, 0) > time.monotonic()


class Handler(BaseHTTPRequestHandler):
    server_version = "EC2ws"
    sys_version = ""
    metadata: Metadata
    tokens: Tokens
    log_file = None

    def _reply(self, status: int, body: str | bytes = b"", headers: dict[str, str] | None = None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        if self.log_file:
            self.log_file.write(f"{self.command} {self.path} {status}\n")
            self.log_file.flush()

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's name
        pass  # One line per request goes to --log instead.

    def do_PUT(self):
        if self.path != "/latest/api/token":
            return self._reply(405)
        if self.headers.get("X-Forwarded-For"):
            return self._reply(403)
        try:
            ttl = int(self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", ""))
        except ValueError:
            return self._reply(400)
        if not 1 <= ttl <= MAX_TTL_SECONDS:
            return self._reply(400)
        token = self.tokens.issue(ttl)
        self._reply(200, token, {"X-aws-ec2-metadata-token-ttl-seconds": str(ttl)})

    def do_GET(self):
        if not self.tokens.valid(self.headers.get("X-aws-ec2-metadata-token")):
            return self._reply(401)
        if self.path == "/latest/user-data":
            return self._reply(200, self.metadata.user_data)
        if self.path.startswith("/latest/meta-data"):
            value = self.metadata.meta_data(self.path[len("/latest/meta-data"):])
            if value is not None:
                return self._reply(200, value)
        self._reply(404)

    do_HEAD = do_GET


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", required=True, help="the port is written here once listening")
    parser.add_argument("--log", required=True)
    parser.add_argument("--user-data", required=True)
    parser.add_argument("--ssh-key", help="file with one OpenSSH public key")
    parser.add_argument("--tag", action="append", default=[], help="KEY=VALUE, an instance tag")
    args = parser.parse_args()

    tags = dict(t.split("=", 1) for t in args.tag)
    ssh_key = open(args.ssh_key).read() if args.ssh_key else None
    with open(args.user_data, "rb") as f:
        Handler.metadata = Metadata(f.read(), ssh_key, tags)
    Handler.tokens = Tokens()
    Handler.log_file = open(args.log, "a", buffering=1)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
