// MD5, SHA-1, SHA-256 and HMAC in JavaScript. The QuickJS binding refuses calls into
// Python while a time limit is set, so the crypto module cannot use hashlib.
(function (env) {
  "use strict";

  // Message padding shared by all three (64-byte blocks, 64-bit length).
  function pad(bytes, littleEndian) {
    var n = bytes.length, total = ((n + 8) >> 6) * 64 + 64;
    var out = new Uint8Array(total);
    out.set(bytes);
    out[n] = 0x80;
    var bits = n * 8, hi = Math.floor(bits / 4294967296), lo = bits >>> 0;
    for (var i = 0; i < 4; i++) {
      if (littleEndian) {
        out[total - 8 + i] = (lo >>> (8 * i)) & 255;
        out[total - 4 + i] = (hi >>> (8 * i)) & 255;
      } else {
        out[total - 1 - i] = (lo >>> (8 * i)) & 255;
        out[total - 5 - i] = (hi >>> (8 * i)) & 255;
      }
    }
    return out;
  }

  function words(block, offset, littleEndian, w) {
    for (var i = 0; i < 16; i++) {
      var p = offset + i * 4;
      w[i] = littleEndian
        ? (block[p] | (block[p + 1] << 8) | (block[p + 2] << 16) | (block[p + 3] << 24))
        : ((block[p] << 24) | (block[p + 1] << 16) | (block[p + 2] << 8) | block[p + 3]);
    }
  }

  function output(state, littleEndian) {
    var out = new Uint8Array(state.length * 4);
    for (var i = 0; i < state.length; i++) {
      for (var j = 0; j < 4; j++) {
        out[i * 4 + j] = (state[i] >>> (littleEndian ? 8 * j : 24 - 8 * j)) & 255;
      }
    }
    return out;
  }

  var MD5_S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  var MD5_K = [];
  for (var k = 0; k < 64; k++) MD5_K[k] = Math.floor(Math.abs(Math.sin(k + 1)) * 4294967296) | 0;

  function md5(bytes) {
    var m = pad(bytes, true), h = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476], w = [];
    for (var off = 0; off < m.length; off += 64) {
      words(m, off, true, w);
      var a = h[0], b = h[1], c = h[2], d = h[3];
      for (var i = 0; i < 64; i++) {
        var f, g, r = i >> 4;
        if (r === 0) { f = (b & c) | (~b & d); g = i; }
        else if (r === 1) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
        else if (r === 2) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
        else { f = c ^ (b | ~d); g = (7 * i) & 15; }
        var s = MD5_S[r * 4 + (i & 3)];
        var t = (a + f + MD5_K[i] + w[g]) | 0;
        a = d; d = c; c = b;
        b = (b + ((t << s) | (t >>> (32 - s)))) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
    }
    return output(h, true);
  }

  function sha1(bytes) {
    var m = pad(bytes, false), h = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0];
    var w = new Array(80);
    for (var off = 0; off < m.length; off += 64) {
      words(m, off, false, w);
      for (var i = 16; i < 80; i++) {
        var x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
        w[i] = (x << 1) | (x >>> 31);
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
      for (var j = 0; j < 80; j++) {
        var f, kk;
        if (j < 20) { f = (b & c) | (~b & d); kk = 0x5a827999; }
        else if (j < 40) { f = b ^ c ^ d; kk = 0x6ed9eba1; }
        else if (j < 60) { f = (b & c) | (b & d) | (c & d); kk = 0x8f1bbcdc | 0; }
        else { f = b ^ c ^ d; kk = 0xca62c1d6 | 0; }
        var t = (((a << 5) | (a >>> 27)) + f + e + kk + w[j]) | 0;
        e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0;
      h[3] = (h[3] + d) | 0; h[4] = (h[4] + e) | 0;
    }
    return output(h, false);
  }

  var SHA256_K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];

  function sha256(bytes) {
    var m = pad(bytes, false);
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var w = new Array(64);
    for (var off = 0; off < m.length; off += 64) {
      words(m, off, false, w);
      for (var i = 16; i < 64; i++) {
        var x = w[i - 15], y = w[i - 2];
        var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (var j = 0; j < 64; j++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var t1 = (hh + S1 + ((e & f) ^ (~e & g)) + SHA256_K[j] + w[j]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
    }
    return output(h, false);
  }

  var HASHES = { md5: md5, sha1: sha1, sha256: sha256 };

  function concat(a, b) {
    var out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  }

  // digest(algorithm, keyBytes or null, dataBytes) -> Uint8Array
  env.digest = function digest(algorithm, key, data) {
    var hash = HASHES[algorithm];
    if (key === null) return hash(data);
    if (key.length > 64) key = hash(key);
    var inner = new Uint8Array(64), outer = new Uint8Array(64);
    for (var i = 0; i < 64; i++) {
      var kb = i < key.length ? key[i] : 0;
      inner[i] = kb ^ 0x36;
      outer[i] = kb ^ 0x5c;
    }
    return hash(concat(outer, hash(concat(inner, data))));
  };
  env.digestAlgorithms = HASHES;
})(__edgesim_env);
