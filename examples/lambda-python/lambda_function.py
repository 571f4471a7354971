"""Lambda@Edge viewer-request handler: the same three jobs as ../cloudfront-function/edge.js
(JWT check for /members/*, SPA routing, A/B assignment by cookie), in Python."""

import base64
import hashlib
import hmac
import json
import random
import time

SECRET = b"edgesim-example-secret"  # Lambda@Edge has no environment variables
GROUPS = ("a", "b")


def unauthorized(reason):
    return {
        "status": "401",
        "statusDescription": "Unauthorized",
        "headers": {
            "www-authenticate": [{"key": "WWW-Authenticate", "value": f'Bearer error="invalid_token", error_description="{reason}"'}],
            "cache-control": [{"key": "Cache-Control", "value": "no-store"}],
        },
    }


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def check_token(request):
    auth = request["headers"].get("authorization")
    if not auth or not auth[0]["value"].startswith("Bearer "):
        return "missing token"
    parts = auth[0]["value"][7:].split(".")
    if len(parts) != 3:
        return "malformed token"
    expected = b64url(hmac.new(SECRET, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, parts[2]):
        return "bad signature"
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return "malformed token"
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp * 1000 <= time.time() * 1000:
        return "expired token"
    request["headers"]["x-user"] = [{"key": "X-User", "value": str(claims.get("sub"))}]
    return None


def cookie_pairs(request):
    for header in request["headers"].get("cookie", []):
        for pair in header["value"].split(";"):
            if pair.strip():
                yield pair.strip()


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    members = request["uri"].startswith("/members/")
    if members:
        problem = check_token(request)
        if problem:
            return unauthorized(problem)
    last = request["uri"].rsplit("/", 1)[-1]
    if "." not in last:
        request["uri"] = "/members/index.html" if members else "/index.html"
    if request["uri"] == "/index.html":
        pairs = list(cookie_pairs(request))
        current = next((p.split("=", 1)[1] for p in pairs if p.split("=", 1)[0] == "ab-group" and "=" in p), None)
        group = current if current in GROUPS else random.choice(GROUPS)
        kept = [p for p in pairs if p.split("=", 1)[0] != "ab-group"] + [f"ab-group={group}"]
        request["headers"]["cookie"] = [{"key": "Cookie", "value": "; ".join(kept)}]
        request["headers"]["x-ab-group"] = [{"key": "X-Ab-Group", "value": group}]
        if group == "b":
            request["uri"] = "/b/index.html"
    return request
