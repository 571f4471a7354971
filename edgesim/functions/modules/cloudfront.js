// cloudfront-js-2.0's `cloudfront` module: the KeyValueStore, the origin helpers,
// edgeLocation, logCustomData. KeyValueStore reads are queued and answered by Python
// between job-queue runs (the binding allows no calls into Python under a time
// limit); origin changes are recorded and applied once the handler has finished.
(function (env) {
  "use strict";
  var b = env.bytes;

  function ask(op, key) {
    return new Promise(function (resolve) {
      env.state.kvsQueue.push({ op: op, key: key, resolve: resolve });
    });
  }

  function checkKey(key) {
    if (typeof key !== "string" || key.length === 0) throw new TypeError("KeyValueStore key must be a non-empty string");
    if (b.utf8Encode(key).length > env.limits.kvsKey) throw new RangeError("KeyValueStore key is longer than " + env.limits.kvsKey + " bytes");
  }

  var FORMATS = {
    string: function (value) { return value; },
    json: function (value) { return JSON.parse(value); },
    bytes: function (value) { return env.Buffer.from(value, "utf8"); }
  };

  var store = {
    get: function get(key, options) {
      var format = options && options.format !== undefined ? options.format : "string";
      try {
        checkKey(key);
        if (!FORMATS.hasOwnProperty(format)) throw new TypeError("unknown KeyValueStore format: " + format + " (string, json or bytes)");
      } catch (e) {
        return Promise.reject(e);
      }
      return ask("get", key).then(function (found) {
        if (found === null) throw new Error("KeyValueStore key not found: " + key);
        return FORMATS[format](found.value);
      });
    },
    exists: function exists(key) {
      try { checkKey(key); } catch (e) { return Promise.reject(e); }
      return ask("get", key).then(function (found) { return found !== null; });
    },
    meta: function meta() { return ask("meta", ""); }
  };

  function viewerRequestOnly(name) {
    if (env.state.eventType !== "viewer-request") {
      throw new TypeError(name + " can only be used in viewer-request functions");
    }
  }

  function record(helper, args) {
    env.state.originCalls.push({ helper: helper, arguments: JSON.parse(JSON.stringify(args)) });
  }

  var cf = {
    kvs: function kvs(kvsId) {
      if (!env.hasKvs) throw new Error("no KeyValueStore is associated with this function");
      return store;
    },
    updateRequestOrigin: function updateRequestOrigin(props) {
      viewerRequestOnly("updateRequestOrigin");
      if (props === null || typeof props !== "object") throw new TypeError("updateRequestOrigin needs an object of origin properties");
      record("updateRequestOrigin", [props]);
    },
    selectRequestOriginById: function selectRequestOriginById(originId, options) {
      viewerRequestOnly("selectRequestOriginById");
      if (typeof originId !== "string" || originId === "") throw new TypeError("selectRequestOriginById needs an origin ID");
      record("selectRequestOriginById", options === undefined ? [originId] : [originId, options]);
    },
    createRequestOriginGroup: function createRequestOriginGroup(props) {
      viewerRequestOnly("createRequestOriginGroup");
      if (props === null || typeof props !== "object" || !Array.isArray(props.originIds) || props.originIds.length !== 2) {
        throw new TypeError("createRequestOriginGroup needs originIds with exactly two origins");
      }
      record("createRequestOriginGroup", [props]);
    },
    logCustomData: function logCustomData(data) {
      env.state.customLog = String(data);
    }
  };
  Object.defineProperty(cf, "edgeLocation", {
    enumerable: true,
    get: function () { return env.state.eventType === "viewer-request" ? env.state.edgeLocation : {}; }
  });
  Object.defineProperty(cf, "distributionTenant", {
    get: function () { throw new TypeError("the distributionTenant module is not available: this is not a multi-tenant distribution"); }
  });
  env.modules.cloudfront = cf;
})(__edgesim_env);
