// The crypto module: createHash and createHmac over md5, sha1 and sha256, with hex,
// base64 and base64url digests (no encoding: a Buffer in 2.0, a byte string in 1.0).
(function (env) {
  "use strict";
  var b = env.bytes, v2 = env.runtime === "cloudfront-js-2.0";

  function Digester(kind, algorithm, key) {
    if (!env.digestAlgorithms.hasOwnProperty(algorithm)) throw new Error("Digest method not supported: " + algorithm);
    this._algorithm = algorithm;
    this._key = key;
    this._chunks = [];
    this._size = 0;
    this._done = false;
    this._kind = kind;
  }
  Digester.prototype.update = function update(data, inputEncoding) {
    if (this._done) throw new Error(this._kind + " already finalized (digest called)");
    var bytes = new Uint8Array(b.asBytes(data, inputEncoding)); // a copy: later writes to data must not count
    this._chunks.push(bytes);
    this._size += bytes.length;
    return this;
  };
  Digester.prototype.digest = function digest(encoding) {
    if (this._done) throw new Error(this._kind + " already finalized (digest called)");
    this._done = true;
    var data = this._chunks.length === 1 ? this._chunks[0] : new Uint8Array(this._size);
    if (this._chunks.length !== 1) {
      for (var i = 0, at = 0; i < this._chunks.length; at += this._chunks[i].length, i++) data.set(this._chunks[i], at);
    }
    this._chunks = [];
    var bytes = env.digest(this._algorithm, this._key, data);
    switch (encoding) {
      case "hex": return b.toHex(bytes);
      case "base64": return b.toBase64(bytes, false);
      case "base64url": return b.toBase64(bytes, true);
      case undefined: return v2 ? env.Buffer.from(bytes) : b.toByteString(bytes);
    }
    throw new Error("Digest encoding not supported: " + encoding);
  };

  env.modules.crypto = {
    createHash: function createHash(algorithm) { return new Digester("Hash", algorithm, null); },
    createHmac: function createHmac(algorithm, key) {
      if (key === undefined || key === null) throw new TypeError("createHmac needs a key");
      return new Digester("Hmac", algorithm, b.asBytes(key));
    }
  };
})(__edgesim_env);
