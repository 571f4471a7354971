// The querystring module, as in Node: parse/decode, stringify/encode, escape, unescape.
(function (env) {
  "use strict";
  var b = env.bytes;

  function unescape(str) {
    var s = String(str), bytes = [];
    for (var i = 0; i < s.length; i++) {
      var ch = s.charAt(i);
      if (ch === "%" && /^[0-9a-fA-F]{2}$/.test(s.substr(i + 1, 2))) {
        bytes.push(parseInt(s.substr(i + 1, 2), 16));
        i += 2;
      } else {
        var enc = b.utf8Encode(ch === "%" ? ch : s.substr(i, /[\ud800-\udbff]/.test(ch) ? 2 : 1));
        for (var j = 0; j < enc.length; j++) bytes.push(enc[j]);
        if (/[\ud800-\udbff]/.test(ch)) i++;
      }
    }
    return b.utf8Decode(bytes, false);
  }

  function escape(str) { return encodeURIComponent(String(str)); }

  function parse(str, sep, eq, options) {
    sep = sep || "&";
    eq = eq || "=";
    var decode = (options && options.decodeURIComponent) || qs.unescape;
    var maxKeys = options && typeof options.maxKeys === "number" ? options.maxKeys : 1000;
    var out = Object.create(null);
    if (typeof str !== "string" || str.length === 0) return out;
    var pieces = str.split(sep);
    if (maxKeys > 0 && pieces.length > maxKeys) pieces = pieces.slice(0, maxKeys);
    for (var i = 0; i < pieces.length; i++) {
      if (pieces[i] === "") continue;
      var piece = pieces[i].replace(/\+/g, "%20");
      var at = piece.indexOf(eq);
      var key = decode(at >= 0 ? piece.slice(0, at) : piece);
      var value = at >= 0 ? decode(piece.slice(at + eq.length)) : "";
      if (!Object.prototype.hasOwnProperty.call(out, key)) out[key] = value;
      else if (Array.isArray(out[key])) out[key].push(value);
      else out[key] = [out[key], value];
    }
    return out;
  }

  function primitive(v) {
    if (typeof v === "string") return v;
    if ((typeof v === "number" && isFinite(v)) || typeof v === "boolean") return String(v);
    return "";
  }

  function stringify(obj, sep, eq, options) {
    sep = sep || "&";
    eq = eq || "=";
    var encode = (options && options.encodeURIComponent) || qs.escape;
    if (obj === null || typeof obj !== "object") return "";
    var parts = [];
    Object.keys(obj).forEach(function (key) {
      var k = encode(primitive(key)) + eq, v = obj[key];
      if (Array.isArray(v)) v.forEach(function (item) { parts.push(k + encode(primitive(item))); });
      else parts.push(k + encode(primitive(v)));
    });
    return parts.join(sep);
  }

  var qs = { parse: parse, decode: parse, stringify: stringify, encode: stringify, escape: escape, unescape: unescape };
  env.modules.querystring = qs;
})(__edgesim_env);
