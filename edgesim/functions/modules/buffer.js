// cloudfront-js-2.0's global Buffer: Node's API over Uint8Array, with the encodings
// CloudFront documents (utf8, hex, base64, base64url).
(function (env, global) {
  "use strict";
  var b = env.bytes;

  class Buffer extends Uint8Array {}

  function wrap(u8) {
    return new Buffer(u8.buffer, u8.byteOffset, u8.byteLength);
  }
  function checkOffset(buf, offset, size) {
    offset = offset === undefined ? 0 : offset;
    if (typeof offset !== "number" || offset % 1 !== 0 || offset < 0 || offset + size > buf.length) {
      throw new RangeError("The value of \"offset\" is out of range: " + offset);
    }
    return offset;
  }
  function view(buf) {
    return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  Buffer.alloc = function alloc(size, fill, encoding) {
    if (typeof size !== "number" || size < 0) throw new TypeError("size must be a non-negative number");
    var buf = new Buffer(size);
    if (fill !== undefined && fill !== 0) buf.fill(fill, 0, size, encoding);
    return buf;
  };
  Buffer.allocUnsafe = function allocUnsafe(size) { return Buffer.alloc(size); };
  Buffer.from = function from(value, encodingOrOffset, length) {
    if (typeof value === "string") return wrap(b.encode(value, encodingOrOffset));
    if (value instanceof ArrayBuffer) {
      var offset = encodingOrOffset === undefined ? 0 : encodingOrOffset;
      return new Buffer(value, offset, length === undefined ? value.byteLength - offset : length);
    }
    if (ArrayBuffer.isView(value) || Array.isArray(value)) {
      var copy = new Buffer(value.length);
      for (var i = 0; i < value.length; i++) copy[i] = value[i] & 255;
      return copy;
    }
    if (value !== null && typeof value === "object") {
      if (value.type === "Buffer" && Array.isArray(value.data)) return Buffer.from(value.data);
      if (typeof value.length === "number") return Buffer.from(Array.prototype.slice.call(value));
      var prim = value.valueOf();
      if (prim !== value) return Buffer.from(prim, encodingOrOffset, length);
    }
    throw new TypeError("The first argument must be a string, Buffer, ArrayBuffer, Array or array-like object");
  };
  Buffer.isBuffer = function isBuffer(obj) { return obj instanceof Buffer; };
  Buffer.isEncoding = function isEncoding(encoding) { return b.isEncoding(encoding); };
  Buffer.byteLength = function byteLength(value, encoding) { return b.asBytes(value, encoding).length; };
  Buffer.compare = function compare(a, c) {
    var n = Math.min(a.length, c.length);
    for (var i = 0; i < n; i++) if (a[i] !== c[i]) return a[i] < c[i] ? -1 : 1;
    return a.length === c.length ? 0 : a.length < c.length ? -1 : 1;
  };
  Buffer.concat = function concat(list, totalLength) {
    var total = 0, i;
    for (i = 0; i < list.length; i++) total += list[i].length;
    if (totalLength !== undefined) total = totalLength;
    var out = Buffer.alloc(total), at = 0;
    for (i = 0; i < list.length && at < total; i++) {
      var part = list[i].length > total - at ? list[i].subarray(0, total - at) : list[i];
      out.set(part, at);
      at += part.length;
    }
    return out;
  };

  var proto = Buffer.prototype;
  proto.toString = function toString(encoding, start, end) {
    start = start === undefined ? 0 : start;
    end = end === undefined ? this.length : Math.min(end, this.length);
    return b.decode(this.subarray(start, end), encoding);
  };
  proto.toJSON = function toJSON() { return { type: "Buffer", data: Array.prototype.slice.call(this) }; };
  proto.equals = function equals(other) { return Buffer.compare(this, other) === 0; };
  proto.compare = function compare(target, tStart, tEnd, sStart, sEnd) {
    return Buffer.compare(this.subarray(sStart || 0, sEnd === undefined ? this.length : sEnd),
      target.subarray(tStart || 0, tEnd === undefined ? target.length : tEnd));
  };
  proto.copy = function copy(target, targetStart, sourceStart, sourceEnd) {
    targetStart = targetStart || 0;
    var src = this.subarray(sourceStart || 0, sourceEnd === undefined ? this.length : sourceEnd);
    src = src.subarray(0, Math.max(0, Math.min(src.length, target.length - targetStart)));
    target.set(src, targetStart);
    return src.length;
  };
  var typedFill = Uint8Array.prototype.fill;
  proto.fill = function fill(value, offset, end, encoding) {
    if (typeof offset === "string") { encoding = offset; offset = 0; end = this.length; }
    if (typeof end === "string") { encoding = end; end = this.length; }
    offset = offset === undefined ? 0 : offset;
    end = end === undefined ? this.length : end;
    if (typeof value === "number") return typedFill.call(this, value & 255, offset, end);
    var pattern = b.asBytes(typeof value === "string" ? value : value, encoding);
    if (pattern.length === 0) return typedFill.call(this, 0, offset, end);
    for (var i = offset, j = 0; i < end; i++, j = (j + 1) % pattern.length) this[i] = pattern[j];
    return this;
  };
  function search(buf, value, from, encoding, last) {
    if (typeof from === "string") { encoding = from; from = undefined; }
    var needle = typeof value === "number" ? new Uint8Array([value & 255]) : b.asBytes(value, encoding);
    var n = buf.length, m = needle.length;
    if (from === undefined) from = last ? n - m : 0;
    if (from < 0) from = Math.max(0, n + from);
    if (m === 0) return Math.min(from, n);
    var step = last ? -1 : 1;
    for (var i = Math.min(from, n - m); last ? i >= 0 : i <= n - m; i += step) {
      var j = 0;
      while (j < m && buf[i + j] === needle[j]) j++;
      if (j === m) return i;
    }
    return -1;
  }
  proto.indexOf = function indexOf(value, from, encoding) { return search(this, value, from, encoding, false); };
  proto.lastIndexOf = function lastIndexOf(value, from, encoding) { return search(this, value, from, encoding, true); };
  proto.includes = function includes(value, from, encoding) { return search(this, value, from, encoding, false) !== -1; };
  proto.write = function write(string, offset, length, encoding) {
    if (typeof offset === "string") { encoding = offset; offset = 0; length = undefined; }
    else if (typeof length === "string") { encoding = length; length = undefined; }
    offset = offset || 0;
    var bytes = b.encode(string, encoding);
    var n = Math.min(bytes.length, this.length - offset, length === undefined ? Infinity : length);
    this.set(bytes.subarray(0, n), offset);
    return n;
  };
  function swapper(size) {
    return function () {
      if (this.length % size !== 0) throw new RangeError("Buffer size must be a multiple of " + (size * 8) + "-bits");
      for (var i = 0; i < this.length; i += size) {
        for (var j = 0; j < size / 2; j++) {
          var t = this[i + j];
          this[i + j] = this[i + size - 1 - j];
          this[i + size - 1 - j] = t;
        }
      }
      return this;
    };
  }
  proto.swap16 = swapper(2);
  proto.swap32 = swapper(4);
  proto.swap64 = swapper(8);

  // Fixed-size reads and writes through a DataView, named as Node names them.
  var FIXED = [
    ["Int8", "Int8", 1], ["UInt8", "Uint8", 1], ["Int16", "Int16", 2], ["UInt16", "Uint16", 2],
    ["Int32", "Int32", 4], ["UInt32", "Uint32", 4], ["Float", "Float32", 4], ["Double", "Float64", 8]
  ];
  FIXED.forEach(function (row) {
    var name = row[0], dv = row[1], size = row[2];
    var endings = size === 1 ? [["", false]] : [["BE", false], ["LE", true]];
    endings.forEach(function (ending) {
      proto["read" + name + ending[0]] = function (offset) {
        offset = checkOffset(this, offset, size);
        return view(this)["get" + dv](offset, ending[1]);
      };
      proto["write" + name + ending[0]] = function (value, offset) {
        offset = checkOffset(this, offset, size);
        view(this)["set" + dv](offset, +value, ending[1]);
        return offset + size;
      };
    });
  });
  // Variable-width integers (1-6 bytes).
  function readVar(buf, offset, byteLength, little, signed) {
    offset = checkOffset(buf, offset, byteLength);
    var value = 0;
    for (var i = 0; i < byteLength; i++) {
      value = value * 256 + buf[offset + (little ? byteLength - 1 - i : i)];
    }
    var limit = Math.pow(2, 8 * byteLength);
    return signed && value >= limit / 2 ? value - limit : value;
  }
  function writeVar(buf, value, offset, byteLength, little) {
    offset = checkOffset(buf, offset, byteLength);
    var limit = Math.pow(2, 8 * byteLength);
    var v = value < 0 ? value + limit : value;
    for (var i = byteLength - 1; i >= 0; i--) {
      buf[offset + (little ? byteLength - 1 - i : i)] = v % 256;
      v = Math.floor(v / 256);
    }
    return offset + byteLength;
  }
  proto.readIntBE = function (offset, n) { return readVar(this, offset, n, false, true); };
  proto.readIntLE = function (offset, n) { return readVar(this, offset, n, true, true); };
  proto.readUIntBE = function (offset, n) { return readVar(this, offset, n, false, false); };
  proto.readUIntLE = function (offset, n) { return readVar(this, offset, n, true, false); };
  proto.writeIntBE = function (value, offset, n) { return writeVar(this, value, offset, n, false); };
  proto.writeIntLE = function (value, offset, n) { return writeVar(this, value, offset, n, true); };
  proto.writeUIntBE = function (value, offset, n) { return writeVar(this, value, offset, n, false); };
  proto.writeUIntLE = function (value, offset, n) { return writeVar(this, value, offset, n, true); };

  env.Buffer = Buffer;
  global.Buffer = Buffer;
})(__edgesim_env, globalThis);
