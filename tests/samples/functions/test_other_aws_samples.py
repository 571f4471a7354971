"""CloudFront Functions from other aws-samples repositories: image-optimization's URL
rewrite and cloudfront-secure-media's two token checks (1.0 with String.bytesFrom,
2.0 with a KeyValueStore)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from .cloudfront import NOW_SECONDS, V1, V2, request, run, values, viewer_request

IMAGE_URL_REWRITE = """
function handler(event) {
    var request = event.request;
    var originalImagePath = request.uri;
    var normalizedOperations = {};
    if (request.querystring) {
        Object.keys(request.querystring).forEach(operation => {
            switch (operation.toLowerCase()) {
                case 'format':
                    var SUPPORTED_FORMATS = ['auto', 'jpeg', 'webp', 'avif', 'png', 'svg', 'gif'];
                    if (request.querystring[operation]['value'] && SUPPORTED_FORMATS.includes(request.querystring[operation]['value'].toLowerCase())) {
                        var format = request.querystring[operation]['value'].toLowerCase();
                        if (format === 'auto') {
                            format = 'jpeg';
                            if (request.headers['accept']) {
                                if (request.headers['accept'].value.includes("avif")) {
                                    format = 'avif';
                                } else if (request.headers['accept'].value.includes("webp")) {
                                    format = 'webp';
                                }
                            }
                        }
                        normalizedOperations['format'] = format;
                    }
                    break;
                case 'width':
                    if (request.querystring[operation]['value']) {
                        var width = parseInt(request.querystring[operation]['value']);
                        if (!isNaN(width) && (width > 0)) {
                            normalizedOperations['width'] = width.toString();
                        }
                    }
                    break;
                case 'height':
                    if (request.querystring[operation]['value']) {
                        var height = parseInt(request.querystring[operation]['value']);
                        if (!isNaN(height) && (height > 0)) {
                            normalizedOperations['height'] = height.toString();
                        }
                    }
                    break;
                case 'quality':
                    if (request.querystring[operation]['value']) {
                        var quality = parseInt(request.querystring[operation]['value']);
                        if (!isNaN(quality) && (quality > 0)) {
                            if (quality > 100) quality = 100;
                            normalizedOperations['quality'] = quality.toString();
                        }
                    }
                    break;
                default: break;
            }
        });
        if (Object.keys(normalizedOperations).length > 0) {
            var normalizedOperationsArray = [];
            if (normalizedOperations.format) normalizedOperationsArray.push('format='+normalizedOperations.format);
            if (normalizedOperations.quality) normalizedOperationsArray.push('quality='+normalizedOperations.quality);
            if (normalizedOperations.width) normalizedOperationsArray.push('width='+normalizedOperations.width);
            if (normalizedOperations.height) normalizedOperationsArray.push('height='+normalizedOperations.height);
            request.uri = originalImagePath + '/' + normalizedOperationsArray.join(',');
        } else {
            request.uri = originalImagePath + '/original';
        }
    } else {
        request.uri = originalImagePath + '/original';
    }
    request['querystring'] = {};
    return request;
}
"""


def test_image_optimization_url_rewrite_normalizes_operations_into_the_path() -> None:
    """aws-samples/image-optimization, functions/url-rewrite/index.js (viewer request, 1.0)."""
    query = {"width": {"value": "200"}, "Format": {"value": "auto"}, "quality": {"value": "150"}, "x": {"value": "1"}}
    req = request("/images/cat.jpg", querystring=query, headers=values(host="img.example.com", accept="image/avif,image/webp"))
    out = run(IMAGE_URL_REWRITE, viewer_request(req), V1)["request"]
    assert out["uri"] == "/images/cat.jpg/format=avif,quality=100,width=200"
    assert out["querystring"] == {}
    plain = run(IMAGE_URL_REWRITE, viewer_request(request("/images/cat.jpg")), V1)["request"]
    assert plain["uri"] == "/images/cat.jpg/original"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _token(secret: str, header: dict[str, str], payload: dict[str, object]) -> str:
    signing_input = _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(payload).encode())
    return signing_input + "." + _b64url(hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest())


SECURE_MEDIA_V1 = """
var crypto = require("crypto");
var config = {};
config.KID = "MySecretID";
config.ISS = "aws.sample.code";
config.SECRET =
  "2afe16a6d630d94cd07c68d5e35568655bf5f60bef29c4f1321fc857816afec9";

var response401 = {
  statusCode: 401,
  statusDescription: "Unauthorized",
};

function jwt_verify(JWT) {
  if (!JWT) {
    throw new Error("No token supplied");
  }
  var segments = JWT.split(".");
  if (segments.length !== 3) {
    throw new Error("Token provided is not a valid JWT Token");
  }
  var jwtHeader = JWT.split(".")[0];
  var jwtPayload = JWT.split(".")[1];
  var jwtSignature = JWT.split(".")[2];
  validateHeader(jwtHeader);
  validatePayload(jwtPayload);
  var payload = JSON.parse(_base64urlDecode(jwtPayload));
  var tokenInput = [jwtHeader, jwtPayload].join(".");
  var signingMethod = "sha256";
  if (jwtSignature != signToken(tokenInput, signingMethod, config.SECRET)) {
    throw new Error("Token provided is not a valid JWT Token Signature");
  }
  return payload;
}

function validateHeader(header) {
  var header = JSON.parse(_base64urlDecode(header));
  if (header.kid != config.KID) {
    throw new Error("Header failed");
  }
}

function validatePayload(payload) {
  var payload = JSON.parse(_base64urlDecode(payload));
  if (payload.iss != config.ISS) {
    throw new Error("Payload failed");
  }
  if (payload.iat && Date.now() < payload.nbf * 1000) {
    throw new Error("Token not yet active");
  }
  if (payload.exp && Date.now() > payload.exp * 1000) {
    throw new Error("Token expired");
  }
}

function signToken(input, method, secret) {
  var signature = crypto
    .createHmac(method, secret)
    .update(input)
    .digest("base64url");
  return signature;
}

function handler(event) {
  var request = event.request;
  if (!request.querystring.token) {
    console.log("No JWT token was supplied");
    return response401;
  }
  var token = request.querystring.token.value;
  try {
    jwt_verify(token);
  } catch (e) {
    console.log(e);
    return response401;
  }
  delete request.querystring.jwt;
  console.log("Valid JWT token");
  return request;
}

function _base64Decode(str) {
  return String.bytesFrom(str, "base64");
}

function _base64urlDecode(str) {
  return String.bytesFrom(str, "base64url");
}
"""
MEDIA_SECRET = "2afe16a6d630d94cd07c68d5e35568655bf5f60bef29c4f1321fc857816afec9"


def test_secure_media_v1_token_check_with_string_bytes_from() -> None:
    """aws-samples/cloudfront-secure-media, cloudfrontFunction/function.js (1.0: String.bytesFrom, console.log(e))."""
    def query(payload: dict[str, object], kid: str = "MySecretID") -> dict:
        return {"token": {"value": _token(MEDIA_SECRET, {"alg": "HS256", "kid": kid}, payload)}}
    good = {"iss": "aws.sample.code", "exp": NOW_SECONDS + 60}
    out = run(SECURE_MEDIA_V1, viewer_request(request("/video.m3u8", querystring=query(good))), V1)
    assert "request" in out and out["_logs"] == ["Valid JWT token"]
    expired = run(SECURE_MEDIA_V1, viewer_request(request(querystring=query({**good, "exp": NOW_SECONDS - 1}))), V1)
    assert expired["response"]["statusCode"] == 401 and expired["_logs"] == ["Error: Token expired"]
    wrong_kid = run(SECURE_MEDIA_V1, viewer_request(request(querystring=query(good, kid="other"))), V1)
    assert wrong_kid["_logs"] == ["Error: Header failed"]


SECURE_MEDIA_V2 = """
import cf from 'cloudfront';
import crypto from 'crypto';

var kvs = cf.kvs();

function base64urlToString(input) {
    return Buffer.from(input, 'base64url').toString();
}

var unauthorized = { statusCode: 401, statusDescription: 'Unauthorized' };

async function handler(event) {
    var request = event.request;
    var qs = request.querystring;
    if (!qs.token || !qs.token.value) {
        return unauthorized;
    }
    try {
        var token = qs.token.value;
        var parts = token.split('.');
        if (parts.length !== 3) {
            return unauthorized;
        }
        var header = JSON.parse(base64urlToString(parts[0]));
        if (header.alg !== 'HS256') {
            return unauthorized;
        }
        var hmacSecret = await kvs.get('hmacSecret');
        var expectedIss = await kvs.get('issuer');
        var signingInput = parts[0] + '.' + parts[1];
        var expectedSig = crypto.createHmac('sha256', hmacSecret)
            .update(signingInput)
            .digest('base64url');
        if (expectedSig !== parts[2]) {
            return unauthorized;
        }
        var payload = JSON.parse(base64urlToString(parts[1]));
        if (payload.iss !== expectedIss) {
            return unauthorized;
        }
        var now = Math.floor(Date.now() / 1000);
        if (!payload.exp || payload.exp < now) {
            return unauthorized;
        }
    } catch (e) {
        return unauthorized;
    }
    delete request.querystring.token;
    return request;
}
"""


def test_secure_media_v2_token_check_reads_its_secret_from_the_store() -> None:
    """aws-samples/cloudfront-secure-media, foundation/edge/cloudfront-function/jwt-auth.js (2.0, KVS, Buffer)."""
    store = {"hmacSecret": "s3cret", "issuer": "token-vendor"}
    token = _token("s3cret", {"alg": "HS256"}, {"iss": "token-vendor", "exp": NOW_SECONDS + 300})
    req = request("/live/index.m3u8", querystring={"token": {"value": token}, "v": {"value": "1"}})
    assert run(SECURE_MEDIA_V2, viewer_request(req), V2, kvs=store)["request"]["querystring"] == {"v": {"value": "1"}}
    forged = _token("guess", {"alg": "HS256"}, {"iss": "token-vendor", "exp": NOW_SECONDS + 300})
    out = run(SECURE_MEDIA_V2, viewer_request(request(querystring={"token": {"value": forged}})), V2, kvs=store)
    assert out["response"]["statusCode"] == 401
    garbage = run(SECURE_MEDIA_V2, viewer_request(request(querystring={"token": {"value": "a.b.c"}})), V2, kvs=store)
    assert garbage["response"]["statusCode"] == 401
