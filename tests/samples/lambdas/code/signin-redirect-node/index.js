'use strict';
// Developer guide, "Example: Redirecting unauthenticated users to a sign-in page", in our words.

function cookiesOf(headers) {
    const cookies = {};
    if (headers.cookie) {
        headers.cookie[0].value.split(';').forEach((pair) => {
            if (pair) {
                const [name, value] = pair.split('=');
                cookies[name.trim()] = value.trim();
            }
        });
    }
    return cookies;
}

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    const headers = request.headers;
    if (cookiesOf(headers)['session-id']) {
        callback(null, request);
        return;
    }
    const back = encodeURIComponent(`https://${headers.host[0].value}${request.uri}?${request.querystring}`);
    callback(null, {
        status: '302',
        statusDescription: 'Found',
        headers: { location: [{ key: 'Location', value: `https://www.example.com/signin?redirect_url=${back}` }] },
    });
};
