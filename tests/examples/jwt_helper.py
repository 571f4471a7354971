"""HS256 tokens signed with the examples' secret, relative to the plugin's frozen clock."""

import base64
import hashlib
import hmac
import json

from edgesim.testing.plugin import FROZEN_NOW

SECRET = b"edgesim-example-secret"


def token(*, exp_in: float, sub: str = "member-7", secret: bytes = SECRET) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": sub, "exp": FROZEN_NOW + exp_in}).encode())
    signature = b64(hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{signature}"
