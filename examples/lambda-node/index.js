// Lambda@Edge viewer-request handler: the same three jobs as ../cloudfront-function/edge.js
// (JWT check for /members/*, SPA routing, A/B assignment by cookie), in Lambda's event shape.
'use strict';
const crypto = require('crypto');

const SECRET = 'edgesim-example-secret'; // Lambda@Edge has no environment variables either
const GROUPS = ['a', 'b'];

function unauthorized(reason) {
  return {
    status: '401',
    statusDescription: 'Unauthorized',
    headers: {
      'www-authenticate': [{ key: 'WWW-Authenticate', value: `Bearer error="invalid_token", error_description="${reason}"` }],
      'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
    },
  };
}

function checkToken(request) {
  const auth = request.headers.authorization;
  if (!auth || !auth[0].value.startsWith('Bearer ')) return 'missing token';
  const parts = auth[0].value.slice(7).split('.');
  if (parts.length !== 3) return 'malformed token';
  const expected = crypto.createHmac('sha256', SECRET).update(`${parts[0]}.${parts[1]}`).digest('base64url');
  if (expected !== parts[2]) return 'bad signature';
  let claims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  } catch (e) {
    return 'malformed token';
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) return 'expired token';
  request.headers['x-user'] = [{ key: 'X-User', value: String(claims.sub) }];
  return null;
}

function cookie(request, name) {
  for (const header of request.headers.cookie || []) {
    for (const pair of header.value.split(';')) {
      const [key, ...rest] = pair.trim().split('=');
      if (key === name) return rest.join('=');
    }
  }
  return undefined;
}

function setCookie(request, name, value) {
  const kept = [];
  for (const header of request.headers.cookie || []) {
    for (const pair of header.value.split(';')) {
      if (pair.trim() && pair.trim().split('=')[0] !== name) kept.push(pair.trim());
    }
  }
  kept.push(`${name}=${value}`);
  request.headers.cookie = [{ key: 'Cookie', value: kept.join('; ') }];
}

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const members = request.uri.startsWith('/members/');
  if (members) {
    const problem = checkToken(request);
    if (problem) return unauthorized(problem);
  }
  const last = request.uri.slice(request.uri.lastIndexOf('/') + 1);
  if (!last.includes('.')) request.uri = members ? '/members/index.html' : '/index.html';
  if (request.uri === '/index.html') {
    const current = cookie(request, 'ab-group');
    const group = GROUPS.includes(current) ? current : GROUPS[Math.floor(Math.random() * 2)];
    setCookie(request, 'ab-group', group);
    request.headers['x-ab-group'] = [{ key: 'X-Ab-Group', value: group }];
    if (group === 'b') request.uri = '/b/index.html';
  }
  return request;
};
