// cloudfront-js-1.0's non-standard byte-string helpers (removed in 2.0). A "byte
// string" holds one byte per character (code units 0-255).
(function (env) {
  "use strict";
  var b = env.bytes;

  function define(target, name, fn) {
    Object.defineProperty(target, name, { value: fn, writable: true, configurable: true });
  }
  function range(str, start, end) {
    return String(str).slice(start === undefined ? 0 : start, end);
  }

  define(String, "bytesFrom", function bytesFrom(source, encoding) {
    if (Array.isArray(source)) {
      var out = "";
      for (var i = 0; i < source.length; i++) out += String.fromCharCode(source[i] & 255);
      return out;
    }
    switch (encoding) {
      case "hex": return b.toByteString(b.fromHex(String(source)));
      case "base64": case "base64url": return b.toByteString(b.fromBase64(String(source), false));
    }
    throw new TypeError("encoding must be hex, base64 or base64url");
  });
  define(String.prototype, "fromBytes", function fromBytes(start, end) {
    return range(this, start, end);
  });
  define(String.prototype, "fromUTF8", function fromUTF8(start, end) {
    var s = range(this, start, end);
    for (var i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) return null;
    return b.utf8Decode(b.fromByteString(s), true);
  });
  define(String.prototype, "toBytes", function toBytes(start, end) {
    var s = range(this, start, end);
    for (var i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) return null;
    return s;
  });
  define(String.prototype, "toUTF8", function toUTF8(start, end) {
    return b.toByteString(b.utf8Encode(range(this, start, end)));
  });
})(__edgesim_env);
