'use strict';
// Developer guide, "Example: Serving different versions of an object based on the device"
// (origin-request, CloudFront-Is-*-Viewer headers), in our words.

const prefixes = [
    ['cloudfront-is-desktop-viewer', '/desktop'],
    ['cloudfront-is-mobile-viewer', '/mobile'],
    ['cloudfront-is-tablet-viewer', '/tablet'],
    ['cloudfront-is-smarttv-viewer', '/smarttv'],
];

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    const match = prefixes.find(([name]) => request.headers[name] && request.headers[name][0].value === 'true');
    if (match) {
        request.uri = match[1] + request.uri;
    }
    console.log(`Request uri set to "${request.uri}"`);
    callback(null, request);
};
