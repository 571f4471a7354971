// Last script of every context: take away what CloudFront lacks, then define the two
// entry points Python calls for each request (__edgesim_invoke, __edgesim_finish).
(function (env, global) {
  "use strict";
  var v2 = env.runtime === "cloudfront-js-2.0";
  // The glue's own tools, taken before any user code runs: a function that replaces
  // JSON.stringify or Object.keys must not change how its outcome reaches Python.
  var stringify = JSON.stringify, parse = JSON.parse, keysOf = Object.keys, namesOf = Object.getOwnPropertyNames;
  var describe = Object.getOwnPropertyDescriptor, defineProp = Object.defineProperty, getProto = Object.getPrototypeOf;
  var applyTo = Reflect.apply;  // taken before Reflect is removed below

  env.removed.forEach(function (path) {
    var parts = path.split("."), target = global, i = 0;
    if (parts[0] === "TypedArray") { target = Object.getPrototypeOf(Int8Array); i = 1; }
    for (; target && i < parts.length - 1; i++) target = target[parts[i]];
    if (target) delete target[parts[parts.length - 1]];
  });

  function errorText(e) {
    if (e !== null && typeof e === "object" && typeof e.message === "string") {
      return (typeof e.name === "string" && e.name ? e.name : "Error") + ": " + e.message;
    }
    try { return "Error: " + String(e); } catch (x) { return "Error: uncaught exception"; }
  }

  function settle(state, failed, value) {
    state.settled = true;
    // QuickJS throws null when it cannot even allocate the out-of-memory error.
    if (failed) { state.error = errorText(value); state.nullThrown = value === null; }
    else state.value = value;
  }

  // One run's state. The edge location arrives as JSON text and is parsed only when the
  // function reads cf.edgeLocation (once per run: the getter keeps what it parsed).
  function RunState(eventType, edgeJson, rawQuery) {
    this.eventType = eventType; this.edgeJson = edgeJson; this.parsedEdge = null; this.rawQuery = rawQuery;
    this.logs = []; this.logBytes = 0; this.logsTruncated = false; this.warnings = []; this.originCalls = [];
    this.customLog = null; this.kvsQueue = []; this.kvsAsked = []; this.settled = false; this.value = undefined;
    this.error = null; this.nullThrown = false; this.isolate = false;
  }
  defineProp(RunState.prototype, "edgeLocation", {
    get: function () {
      if (this.parsedEdge === null) this.parsedEdge = this.edgeJson === "{}" ? {} : parse(this.edgeJson);
      return this.parsedEdge;
    }
  });
  // request.rawQueryString(): one function for every run, reading the run's raw query. A
  // method has no `prototype` object to share; the function itself is watched (below).
  var rawQueryString = {
    rawQueryString() {
      var state = env.state;
      return state === null || state.rawQuery === null ? undefined : state.rawQuery;
    }
  }.rawQueryString;
  var rawQueryDescriptor = { value: rawQueryString, writable: true, configurable: true };

  // Returns the run's outcome as JSON (see finish) when it is over, or null when an
  // async handler awaits something: Python then drains the job queue, answers
  // KeyValueStore reads and calls __edgesim_finish.
  global.__edgesim_invoke = function (eventJson, nowMs, rawQuery, eventType, edgeJson) {
    var state = new RunState(eventType, edgeJson, rawQuery);
    env.state = state;
    env.now = nowMs;
    try {
      var event = parse(eventJson);
      if (v2 && event.request !== null && typeof event.request === "object") {
        rawQueryDescriptor.value = rawQueryString;
        defineProp(event.request, "rawQueryString", rawQueryDescriptor);
      }
      var handler = env.factory(env.require);
      if (typeof handler !== "function") {
        throw new ReferenceError("handler is not defined: the code must declare function handler(event)");
      }
      var out = handler(event);
      if (v2 && out !== null && typeof out === "object" && typeof out.then === "function") {
        out.then(function (v) { settle(state, false, v); }, function (e) { settle(state, true, e); });
        return null;
      }
      settle(state, false, out);
    } catch (e) {
      settle(state, true, e);
    }
    return finish();
  };

  // KeyValueStore reads waiting for Python: [{op, key}], answered in the same order.
  global.__edgesim_kvs_requests = function () {
    var state = env.state;
    state.kvsAsked = state.kvsQueue;
    state.kvsQueue = [];
    var asked = [];
    for (var i = 0; i < state.kvsAsked.length; i++) asked.push({ op: state.kvsAsked[i].op, key: state.kvsAsked[i].key });
    return stringify(asked);
  };
  global.__edgesim_kvs_answer = function (answersJson) {
    var answers = parse(answersJson), asked = env.state.kvsAsked;
    env.state.kvsAsked = [];
    for (var i = 0; i < asked.length; i++) asked[i].resolve(answers[i]);
  };

  // The run's outcome as JSON text. A plain run (it returned a value, and logged, warned,
  // failed and called nothing) sends just "P" or, when it changed a built-in, "T",
  // followed by the value as JSON: most runs, and the cheaper text to write and read.
  function finish() {
    var state = env.state;
    env.state = null;
    // Globals a run adds by assignment are enumerable; the built-ins are not. (for-in walks
    // the global's prototype too: an enumerable property there is not deleted here but
    // makes the tamper check below fail. It costs a fifth of Object.keys.)
    for (var name in global) delete global[name];
    var tampered = !intact();
    if (state.settled && state.error === null && !state.isolate && state.value !== undefined && state.logs.length === 0 &&
        state.warnings.length === 0 && state.originCalls.length === 0 && state.customLog === null) {
      try {
        var value = stringify(state.value);
        if (value !== undefined) return (tampered ? "T" : "P") + value;
      } catch (e) { /* the full outcome below says why it cannot be written */ }
    }
    var out = {
      tampered: tampered, isolate: state.isolate, settled: state.settled, error: state.error, nullThrown: state.nullThrown, returned: state.value !== undefined,
      value: state.value === undefined ? null : state.value, invalid: null,
      logs: state.logs, logsTruncated: state.logsTruncated, warnings: state.warnings,
      originCalls: state.originCalls, customLog: state.customLog
    };
    try {
      return stringify(out);
    } catch (e) {
      out.value = null;
      out.invalid = "the returned object cannot be serialised: " + errorText(e);
      return stringify(out);
    }
  }

  // CloudFront runs a function's code afresh for every request, so what one request does
  // to the built-ins most often changed (Object.prototype.x = ..., a polyfill on
  // Array.prototype, a replaced JSON.parse) may not reach the next. After each run the
  // check below looks for what a run can leave on those objects: a property added by
  // assignment (enumerable, where every built-in is not), one of their functions replaced
  // or deleted, or a call of the Object functions that reshape an object without assigning
  // (a non-enumerable property, a new prototype, freezing). A run that did any of these is
  // reported as tampered and Python builds a fresh context before the next request. Only
  // these five objects, and the rawQueryString function every run's request shares, are
  // watched (docs/robustness.md).
  var watched = [Object.prototype, Array.prototype, String.prototype, Function.prototype, JSON, rawQueryString];
  // No enumerable property on the object or its prototypes (all of them watched ones: a
  // new prototype is noted as reshaping). for-in costs a fifth of Object.keys here.
  function bare(target) {
    for (var name in target) return false;
    return true;
  }
  var reshaped = false;
  // Python writes the comparison with every name spelled out (runtime.py, _intact_check):
  // a loop over the names looked each up by string and cost four times as much.
  var sameFunctions = function () { return false; };
  function intact() {
    var clean = !reshaped && sameFunctions();
    reshaped = false;
    return clean;
  }
  // The Object functions that reshape their first argument note a watched one, then do
  // their work; each keeps the original's name and length.
  ["defineProperty", "defineProperties", "setPrototypeOf", "freeze", "seal", "preventExtensions"].forEach(function (name) {
    var original = Object[name];
    var noting = function (target) {
      for (var i = 0; i < watched.length; i++) if (watched[i] === target) reshaped = true;
      return applyTo(original, Object, arguments);
    };
    defineProp(noting, "name", { value: name });
    defineProp(noting, "length", { value: original.length });
    defineProp(Object, name, { value: noting, writable: true, enumerable: false, configurable: true });
  });

  // [[names of its functions], ...] for each watched object.
  env.watchedFunctions = function () {
    return stringify(watched.map(function (target) {
      return namesOf(target).filter(function (name) { return typeof describe(target, name).value === "function"; });
    }));
  };

  // Installs the check Python wrote (a factory of it, given the watched objects), then hides
  // the glue from user code for good.
  env.seal = function (makeCheck) {
    sameFunctions = makeCheck(watched, bare);
    var entryPoints = {
      __edgesim_invoke: global.__edgesim_invoke, __edgesim_kvs_requests: global.__edgesim_kvs_requests,
      __edgesim_kvs_answer: global.__edgesim_kvs_answer, __edgesim_finish: finish
    };
    delete global.__edgesim_env;
    keysOf(global).forEach(function (name) {
      defineProp(global, name, { enumerable: false });
    });
    keysOf(entryPoints).forEach(function (name) {
      defineProp(global, name, { value: entryPoints[name], enumerable: false, writable: false, configurable: false });
    });
  };
})(__edgesim_env, globalThis);
