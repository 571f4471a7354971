// Loaded only into in-process (fast-path) contexts, whose code has no regex literal and
// does not name RegExp, match, matchAll or search (hazards.py). Code that reaches one of
// those anyway (globalThis['Reg' + 'Exp']) finds a tripwire: the run is marked, its
// outcome discarded, and Python moves the function to a process that can be killed
// (QuickJS's regex engine ignores the compute budget). Nothing on a tripwire leads back
// to the real RegExp.
//
// The string searches are C loops that ignore the budget too, and their worst case is the
// text's length times the pattern's (`'a'.repeat(4e5).indexOf('a'.repeat(2e5) + 'b')`):
// a search whose worst case passes SEARCH_WORK characters trips the same way, so it runs
// where the edge can stop it.
(function (env, global) {
  "use strict";
  var SEARCH_WORK = 5e6;
  function trip() {
    if (env.state) env.state.isolate = true;
    throw new Error("this function runs work that cannot be interrupted: it runs in an isolated process");
  }
  function tripwire(name) {
    var wire = function () { return trip(); };
    Object.defineProperty(wire, "name", { value: name });
    return wire;
  }
  var strings = String.prototype;
  ["match", "matchAll", "search"].forEach(function (name) {
    if (name in strings) Object.defineProperty(strings, name, { value: tripwire(name), writable: true, configurable: true });
  });
  Object.defineProperty(global, "RegExp", { value: tripwire("RegExp"), writable: true, configurable: true });
  ["indexOf", "lastIndexOf", "includes", "split", "replace", "replaceAll"].forEach(function (name) {
    var real = strings[name];
    if (typeof real !== "function") return;
    var guarded = function (pattern) {
      if (typeof this === "string" && typeof pattern === "string" && this.length * pattern.length > SEARCH_WORK) trip();
      return real.apply(this, arguments);
    };
    Object.defineProperty(guarded, "name", { value: name });
    Object.defineProperty(guarded, "length", { value: real.length });
    Object.defineProperty(strings, name, { value: guarded, writable: true, configurable: true });
  });
  // An array search compares each element with the value: with long strings that is the
  // array's length times the string's.
  var arrays = Array.prototype;
  ["indexOf", "lastIndexOf", "includes"].forEach(function (name) {
    var real = arrays[name];
    var guarded = function (value) {
      if (typeof value === "string" && this != null && this.length * value.length > SEARCH_WORK) trip();
      return real.apply(this, arguments);
    };
    Object.defineProperty(guarded, "name", { value: name });
    Object.defineProperty(guarded, "length", { value: real.length });
    Object.defineProperty(arrays, name, { value: guarded, writable: true, configurable: true });
  });
})(__edgesim_env, globalThis);
