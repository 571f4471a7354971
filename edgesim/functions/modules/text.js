// cloudfront-js-2.0's TextEncoder, TextDecoder, atob and btoa.
(function (env, global) {
  "use strict";
  var b = env.bytes;

  function TextEncoder() {
    if (!(this instanceof TextEncoder)) throw new TypeError("TextEncoder must be called with new");
  }
  Object.defineProperty(TextEncoder.prototype, "encoding", { get: function () { return "utf-8"; } });
  TextEncoder.prototype.encode = function encode(input) {
    return b.utf8Encode(input === undefined ? "" : String(input));
  };
  TextEncoder.prototype.encodeInto = function encodeInto(input, dest) {
    var str = String(input), read = 0, written = 0;
    for (var i = 0; i < str.length; i++) {
      var c = str.charCodeAt(i);
      var pair = c >= 0xd800 && c <= 0xdbff && i + 1 < str.length &&
        str.charCodeAt(i + 1) >= 0xdc00 && str.charCodeAt(i + 1) <= 0xdfff;
      var chunk = b.utf8Encode(pair ? str.substr(i, 2) : str.charAt(i));
      if (written + chunk.length > dest.length) break;
      dest.set(chunk, written);
      written += chunk.length;
      read += pair ? 2 : 1;
      if (pair) i++;
    }
    return { read: read, written: written };
  };

  function TextDecoder(label, options) {
    if (!(this instanceof TextDecoder)) throw new TypeError("TextDecoder must be called with new");
    var name = label === undefined ? "utf-8" : String(label).toLowerCase();
    if (name !== "utf-8" && name !== "utf8") throw new RangeError("TextDecoder supports utf-8 only, not " + label);
    options = options || {};
    Object.defineProperty(this, "_fatal", { value: !!options.fatal });
    Object.defineProperty(this, "_ignoreBOM", { value: !!options.ignoreBOM });
  }
  Object.defineProperty(TextDecoder.prototype, "encoding", { get: function () { return "utf-8"; } });
  Object.defineProperty(TextDecoder.prototype, "fatal", { get: function () { return this._fatal; } });
  Object.defineProperty(TextDecoder.prototype, "ignoreBOM", { get: function () { return this._ignoreBOM; } });
  TextDecoder.prototype.decode = function decode(input) {
    var bytes = input === undefined ? new Uint8Array(0) : b.asBytes(input);
    var text = b.utf8Decode(bytes, this._fatal);
    if (text === null) throw new TypeError("The encoded data was not valid utf-8");
    if (!this._ignoreBOM && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return text;
  };

  global.TextEncoder = TextEncoder;
  global.TextDecoder = TextDecoder;

  global.btoa = function btoa(data) {
    var s = String(data);
    for (var i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 255) throw new Error("btoa: the string contains characters outside Latin1");
    }
    return b.toBase64(b.fromByteString(s), false);
  };
  global.atob = function atob(data) {
    var s = String(data).replace(/[\t\n\f\r ]/g, "");
    if (s.length % 4 === 0) s = s.replace(/==?$/, "");
    if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) throw new Error("atob: the string is not valid base64");
    return b.toByteString(b.fromBase64(s, false));
  };
})(__edgesim_env, globalThis);
