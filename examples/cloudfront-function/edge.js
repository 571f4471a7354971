// One viewer-request function, three jobs: JWT check for /members/*, SPA routing,
// and A/B assignment by cookie. The same logic lives in ../lambda-node and ../lambda-python.
import crypto from 'crypto';

const SECRET = 'edgesim-example-secret'; // CloudFront Functions have no env: use a KeyValueStore in production
const GROUPS = ['a', 'b'];

function unauthorized(reason) {
  return {
    statusCode: 401,
    statusDescription: 'Unauthorized',
    headers: {
      'www-authenticate': { value: 'Bearer error="invalid_token", error_description="' + reason + '"' },
      'cache-control': { value: 'no-store' },
    },
  };
}

function checkToken(request) {
  const auth = request.headers.authorization;
  if (!auth || auth.value.indexOf('Bearer ') !== 0) return 'missing token';
  const parts = auth.value.slice(7).split('.');
  if (parts.length !== 3) return 'malformed token';
  const expected = crypto.createHmac('sha256', SECRET).update(parts[0] + '.' + parts[1]).digest('base64url');
  if (expected !== parts[2]) return 'bad signature';
  let claims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  } catch (e) {
    return 'malformed token';
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) return 'expired token';
  request.headers['x-user'] = { value: String(claims.sub) };
  return null;
}

function handler(event) {
  const request = event.request;
  const members = request.uri.startsWith('/members/');
  if (members) {
    const problem = checkToken(request);
    if (problem) return unauthorized(problem);
  }
  const last = request.uri.slice(request.uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) request.uri = members ? '/members/index.html' : '/index.html';
  if (request.uri === '/index.html') {
    const cookie = request.cookies['ab-group'];
    const group = cookie && GROUPS.includes(cookie.value) ? cookie.value : GROUPS[Math.floor(Math.random() * 2)];
    request.cookies['ab-group'] = { value: group };
    request.headers['x-ab-group'] = { value: group };
    if (group === 'b') request.uri = '/b/index.html';
  }
  return request;
}
