'use strict';
// Developer guide, "Example: Using a request trigger to modify an HTML form" (IncludeBody,
// body.action 'replace' with a text body), in our words.
const querystring = require('querystring');

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    if (request.method === 'POST') {
        const form = querystring.parse(Buffer.from(request.body.data, 'base64').toString());
        form['new-param-name'] = 'new-param-value';
        request.body.action = 'replace';
        request.body.encoding = 'text';
        request.body.data = querystring.stringify(form);
    }
    callback(null, request);
};
