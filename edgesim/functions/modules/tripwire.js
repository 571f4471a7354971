// Loaded only into in-process (fast-path) contexts, whose code has no regex literal and
// does not name RegExp, match, matchAll or search (hazards.py). Code that reaches one of
// those anyway (globalThis['Reg' + 'Exp']) finds a tripwire: the run is marked, its
// outcome discarded, and Python moves the function to a process that can be killed
// (QuickJS's regex engine ignores the compute budget). Nothing on a tripwire leads back
// to the real RegExp.
(function (env, global) {
  "use strict";
  function trip() {
    if (env.state) env.state.isolate = true;
    throw new Error("this function builds regular expressions: it runs in an isolated process");
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
})(__edgesim_env, globalThis);
