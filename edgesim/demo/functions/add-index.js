// viewer-request: CloudFront's default root object applies to "/" only, so a site
// with /docs/ -> /docs/index.html needs a function like this one.
function handler(event) {
    var request = event.request;
    if (request.uri.endsWith('/')) {
        request.uri += 'index.html';
    } else if (request.uri.split('/').pop().indexOf('.') === -1) {
        request.uri += '/index.html';
    }
    return request;
}
