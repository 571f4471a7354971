'use strict';
// edgesim's Node.js runtime: a worker that speaks the Lambda Runtime API.
//
// It loads `_HANDLER` from `LAMBDA_TASK_ROOT`, then loops on /invocation/next. Both handler
// styles work as on Lambda: a returned promise settles the invocation; otherwise the
// `callback` does, after the event loop drains unless `callbackWaitsForEmptyEventLoop` is
// false; a handler that neither returns a promise nor calls back answers null once the loop
// is empty (the classic "returned nothing" mistake).

const http = require('http');
const path = require('path');
const fs = require('fs');
const util = require('util');
const { pathToFileURL } = require('url');

const [HOST, PORT] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const BASE = '/2018-06-01/runtime';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const realNow = Date.now;

installClock(Number(process.env.EDGESIM_CLOCK_OFFSET_MS || 0));

let currentRequestId;
installConsole();
openInspector(process.env.EDGESIM_INSPECT_PORT);

function installClock(offset) {
  // edgesim's fixed clock (`--now`): the function sees shifted wall time; deadlines stay real.
  if (!offset) return;
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(realNow() + offset);
      else super(...args);
    }
    static now() {
      return realNow() + offset;
    }
  }
  global.Date = ShiftedDate;
}

function openInspector(port) {
  // `serve --inspect`: the V8 inspector on this function's port, on loopback only. Right
  // after a reload the previous version's worker may hold the port a moment longer.
  delete process.env.EDGESIM_INSPECT_PORT;
  if (!port) return;
  const inspector = require('inspector');
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; attempt < 30; attempt++) {
    inspector.open(Number(port), '127.0.0.1');
    if (inspector.url()) return;
    Atomics.wait(pause, 0, 0, 100);
  }
  process.stderr.write(`edgesim: no debugger for this worker: 127.0.0.1:${port} stays in use\n`);
}

function installConsole() {
  // Lambda's text log format: timestamp, request id, level, message.
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      const message = util.format(...args);
      process.stdout.write(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${message}\n`);
    };
  }
}

function call(method, urlPath, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: HOST, port: PORT, method, path: BASE + urlPath, agent, headers: headers || {} },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function errorBody(err) {
  if (err instanceof Error) {
    return { errorType: err.name || 'Error', errorMessage: err.message, trace: String(err.stack || '').split('\n') };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

async function postError(urlPath, body) {
  const payload = JSON.stringify(body);
  await call('POST', urlPath, payload, {
    'Content-Type': 'application/json',
    'Lambda-Runtime-Function-Error-Type': body.errorType,
  });
}

async function failInit(errorType, err) {
  const body = { ...errorBody(err), errorType };
  console.error(`${errorType}: ${body.errorMessage}`);
  await postError('/init/error', body);
  process.exit(1);
}

function findModule(root, modulePath) {
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const file = path.resolve(root, modulePath + ext);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

async function loadHandler() {
  const root = process.env.LAMBDA_TASK_ROOT;
  const spec = process.env._HANDLER || 'index.handler';
  const dot = spec.lastIndexOf('.');
  const modulePath = dot > 0 ? spec.slice(0, dot) : spec;
  const name = dot > 0 ? spec.slice(dot + 1) : 'handler';
  const file = findModule(root, modulePath);
  if (!file) {
    const err = new Error(`Cannot find module '${modulePath}'`);
    return failInit('Runtime.ImportModuleError', err);
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    return failInit(err instanceof SyntaxError ? 'Runtime.UserCodeSyntaxError' : 'Runtime.ImportModuleError', err);
  }
  const fn = typeof mod[name] === 'function' ? mod[name] : mod.default && mod.default[name];
  if (typeof fn !== 'function') {
    return failInit('Runtime.HandlerNotFound', new Error(`${spec} is undefined or not exported`));
  }
  return fn;
}

// The invocation in progress: settled by a promise, a callback, or an empty event loop.
let pending = null;

process.on('beforeExit', () => {
  if (pending) pending.onEmptyLoop();
});

process.on('uncaughtException', (err) => crash(err, errorBody(err).errorType));
process.on('unhandledRejection', (reason) => crash(reason, 'Runtime.UnhandledPromiseRejection'));

async function crash(err, errorType) {
  // Lambda reports the error for the invocation at hand, then the runtime exits.
  const id = pending && pending.id;
  const body = { ...errorBody(err), errorType };
  console.error(`${body.errorType}: ${body.errorMessage}`);
  pending = null;
  if (id) {
    try {
      await postError(`/invocation/${id}/error`, body);
    } catch (_) {
      // edgesim sees the exit either way.
    }
  }
  process.exit(129);
}

function runHandler(handler, id, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    let called = null;
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      if (err !== null && err !== undefined) reject(err);
      else resolve(value);
    };
    const callback = (err, value) => {
      if (called) return;
      called = { err, value };
      if (!context.callbackWaitsForEmptyEventLoop) finish(err, value);
    };
    pending = {
      id,
      onEmptyLoop: () => (called ? finish(called.err, called.value) : finish(null, null)),
    };
    context.done = callback;
    context.succeed = (value) => callback(null, value);
    context.fail = (err) => callback(err === undefined ? 'handled' : err);
    let returned;
    try {
      returned = handler(event, context, callback);
    } catch (err) {
      finish(err);
      return;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then(
        (value) => finish(null, value),
        (err) => finish(err === undefined || err === null ? new Error('rejected') : err),
      );
    }
  });
}

function makeContext(id, deadline, arn) {
  const env = process.env;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: arn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: id,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - realNow()),
  };
}

async function main() {
  const handler = await loadHandler();
  for (;;) {
    const next = await call('GET', '/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'];
    const deadline = Number(next.headers['lambda-runtime-deadline-ms']);
    const arn = next.headers['lambda-runtime-invoked-function-arn'];
    currentRequestId = id;
    const context = makeContext(id, deadline, arn);
    let result;
    let failure = null;
    try {
      result = await runHandler(handler, id, JSON.parse(next.body), context);
    } catch (err) {
      failure = err;
    }
    pending = null;
    if (failure === null) {
      const payload = JSON.stringify(result === undefined ? null : result);
      await call('POST', `/invocation/${id}/response`, payload, { 'Content-Type': 'application/json' });
    } else {
      const body = errorBody(failure);
      console.error(`Invoke Error \t${JSON.stringify(body)}`);
      await postError(`/invocation/${id}/error`, body);
    }
    currentRequestId = undefined;
  }
}

main();
