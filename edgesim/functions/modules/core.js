// The globals CloudFront changes or adds in both runtimes: console.log, a Date frozen
// at the start of each run, Math.random (seedable for tests), eval and the Function
// constructor that throw, require() for the built-in modules.
(function (env, global) {
  "use strict";
  var v2 = env.runtime === "cloudfront-js-2.0";

  function show(value) {
    if (typeof value === "string") return value;
    // An error logs as "Name: message", as AWS's samples expect of console.log(e); its JSON is {}.
    if (value instanceof Error) return String(value);
    if (value !== null && typeof value === "object") {
      try {
        var json = JSON.stringify(value);
        if (json !== undefined) return json;
      } catch (e) { /* cyclic: fall back to String() */ }
    }
    try { return String(value); } catch (e) { return Object.prototype.toString.call(value); }
  }

  function log() {
    var state = env.state;
    if (!state) return;
    var line;
    if (v2) {
      line = show(arguments[0]);
      if (arguments.length > 1) {
        state.warnings.push("console.log takes one argument in cloudfront-js-2.0; " +
          (arguments.length - 1) + " more were dropped");
      }
    } else {
      var parts = [];
      for (var i = 0; i < arguments.length; i++) parts.push(show(arguments[i]));
      line = parts.join(" ");
    }
    if (state.logBytes >= env.limits.log) { state.logsTruncated = true; return; }
    var size = env.bytes.utf8Encode(line).length;
    if (state.logBytes + size > env.limits.log) {
      line = line.slice(0, env.limits.log - state.logBytes);
      state.logsTruncated = true;
    }
    state.logBytes += size;
    state.logs.push(line);
  }
  global.console = { log: log };

  // Date: every "now" is the run's start time (env.now, set per invocation).
  var RealDate = Date, construct = Reflect.construct;
  function EdgeDate() {
    if (!new.target) return new RealDate(env.now).toString();
    return construct(RealDate, arguments.length ? arguments : [env.now], new.target);
  }
  EdgeDate.prototype = RealDate.prototype;
  Object.defineProperty(RealDate.prototype, "constructor", { value: EdgeDate, writable: true, configurable: true });
  EdgeDate.now = function now() { return env.now; };
  EdgeDate.parse = RealDate.parse;
  EdgeDate.UTC = RealDate.UTC;
  global.Date = EdgeDate;

  // Math.random: the engine's own unless a seed is given (mulberry32, reproducible).
  if (env.seed !== null) {
    var seed = env.seed >>> 0;
    Math.random = function random() {
      seed = (seed + 0x6d2b79f5) >>> 0;
      var t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function refused(what) {
    return function () { throw new EvalError(what + " is not supported in CloudFront Functions"); };
  }
  global.eval = refused("eval()");
  var NoFunction = refused("the Function constructor");
  NoFunction.prototype = Function.prototype;
  Object.defineProperty(Function.prototype, "constructor", { value: NoFunction, writable: true, configurable: true });
  global.Function = NoFunction;

  if (!v2) {
    // Runtime 1.0 lists MemoryError among its error types.
    var MemoryError = function MemoryError(message) {
      var e = new Error(message);
      Object.setPrototypeOf(e, MemoryError.prototype);
      return e;
    };
    MemoryError.prototype = Object.create(Error.prototype, {
      constructor: { value: MemoryError, writable: true, configurable: true },
      name: { value: "MemoryError", writable: true, configurable: true }
    });
    global.MemoryError = MemoryError;
  }

  env.modules = {};
  env.require = function require(name) {
    if (typeof name === "string" && env.modules.hasOwnProperty(name)) return env.modules[name];
    throw new Error("Cannot find module '" + name + "'");
  };
})(__edgesim_env, globalThis);
