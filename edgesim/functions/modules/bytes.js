// Byte helpers every other module shares: UTF-8, hex, base64, base64url, and
// "byte strings" (one char per byte), the form bytes take on their way to Python.
(function (env) {
  "use strict";
  var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  var B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var B64_INDEX = {};
  for (var i = 0; i < 64; i++) {
    B64_INDEX[B64.charAt(i)] = i;
    B64_INDEX[B64URL.charAt(i)] = i;
  }

  function utf8Encode(str) {
    var n = str.length, ascii = new Uint8Array(n), i;
    for (i = 0; i < n; i++) {
      var a = str.charCodeAt(i);
      if (a >= 0x80) break;
      ascii[i] = a;
    }
    if (i === n) return ascii; // the common case: no multi-byte characters
    var out = Array.prototype.slice.call(ascii, 0, i);
    for (; i < str.length; i++) {
      var c = str.charCodeAt(i);
      if (c < 0x80) {
        out.push(c);
      } else if (c < 0x800) {
        out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      } else {
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length) {
          var d = str.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            var cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
            i++;
            continue;
          }
        }
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // lone surrogate
        out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      }
    }
    return new Uint8Array(out);
  }

  // Decode UTF-8; invalid sequences become U+FFFD, or null when `strict`.
  function utf8Decode(bytes, strict) {
    var out = "";
    var i = 0, n = bytes.length;
    while (i < n) {
      var b = bytes[i], need = 0, cp = 0, min = 0;
      if (b < 0x80) { out += String.fromCharCode(b); i++; continue; }
      if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 31; min = 0x80; }
      else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 15; min = 0x800; }
      else if (b >= 0xf0 && b <= 0xf4) { need = 3; cp = b & 7; min = 0x10000; }
      else { if (strict) return null; out += "\ufffd"; i++; continue; }
      var j = 1;
      for (; j <= need; j++) {
        var cb = bytes[i + j];
        if (i + j >= n || (cb & 0xc0) !== 0x80) break;
        cp = (cp << 6) | (cb & 63);
      }
      if (j <= need || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        if (strict) return null;
        out += "\ufffd";
        i += j <= need ? j : 1; // skip the broken sequence's bytes read so far
        continue;
      }
      out += String.fromCodePoint(cp);
      i += need + 1;
    }
    return out;
  }

  function toHex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  function fromHex(str) {
    var out = [];
    for (var i = 0; i + 1 < str.length; i += 2) {
      var v = parseInt(str.substr(i, 2), 16);
      if (v !== v) break; // Node stops at the first non-hex pair
      out.push(v);
    }
    return new Uint8Array(out);
  }

  function toBase64(bytes, url) {
    var table = url ? B64URL : B64, out = "", i = 0;
    for (; i + 2 < bytes.length; i += 3) {
      var v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      out += table.charAt(v >> 18) + table.charAt((v >> 12) & 63) + table.charAt((v >> 6) & 63) + table.charAt(v & 63);
    }
    var rest = bytes.length - i;
    if (rest > 0) {
      var w = (bytes[i] << 16) | (rest > 1 ? bytes[i + 1] << 8 : 0);
      out += table.charAt(w >> 18) + table.charAt((w >> 12) & 63);
      out += rest > 1 ? table.charAt((w >> 6) & 63) : "";
      if (!url) out += rest > 1 ? "=" : "==";
    }
    return out;
  }

  // Lenient like Node: both alphabets, padding and whitespace ignored. With `strict`,
  // returns null for anything that is not well-formed base64.
  function fromBase64(str, strict) {
    if (strict && !/^[A-Za-z0-9+/_-]*={0,2}$/.test(str)) return null;
    var out = [], acc = 0, bits = 0;
    for (var i = 0; i < str.length; i++) {
      var ch = str.charAt(i);
      if (ch === "=") break;
      var v = B64_INDEX[ch];
      if (v === undefined) { if (strict) return null; continue; }
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) { bits -= 8; out.push((acc >> bits) & 255); }
    }
    if (strict && bits >= 6) return null;
    return new Uint8Array(out);
  }

  function toByteString(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i += 4096) {
      out += String.fromCharCode.apply(null, Array.prototype.slice.call(bytes, i, i + 4096));
    }
    return out;
  }

  function fromByteString(str) {
    var out = new Uint8Array(str.length);
    for (var i = 0; i < str.length; i++) out[i] = str.charCodeAt(i) & 255;
    return out;
  }

  var ENCODINGS = { utf8: 1, "utf-8": 1, hex: 1, base64: 1, base64url: 1 };

  function encode(str, encoding) {
    switch (encoding === undefined ? "utf8" : String(encoding).toLowerCase()) {
      case "utf8": case "utf-8": return utf8Encode(str);
      case "hex": return fromHex(str);
      case "base64": case "base64url": return fromBase64(str, false);
    }
    throw new TypeError("Unknown encoding: " + encoding);
  }

  function decode(bytes, encoding) {
    switch (encoding === undefined ? "utf8" : String(encoding).toLowerCase()) {
      case "utf8": case "utf-8": return utf8Decode(bytes, false);
      case "hex": return toHex(bytes);
      case "base64": return toBase64(bytes, false);
      case "base64url": return toBase64(bytes, true);
    }
    throw new TypeError("Unknown encoding: " + encoding);
  }

  // Any binary-ish value as a Uint8Array view (strings go through `encoding`).
  function asBytes(value, encoding) {
    if (typeof value === "string") return encode(value, encoding);
    if (value instanceof Uint8Array) return value;
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    throw new TypeError("expected a string, Buffer, TypedArray or DataView");
  }

  env.bytes = {
    utf8Encode: utf8Encode, utf8Decode: utf8Decode, toHex: toHex, fromHex: fromHex,
    toBase64: toBase64, fromBase64: fromBase64, toByteString: toByteString,
    fromByteString: fromByteString, encode: encode, decode: decode, asBytes: asBytes,
    isEncoding: function (e) { return typeof e === "string" && ENCODINGS.hasOwnProperty(e.toLowerCase()); }
  };
})(__edgesim_env);
