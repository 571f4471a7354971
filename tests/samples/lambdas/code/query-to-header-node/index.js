'use strict';
// Developer guide, "Example: Adding a header based on a query string parameter", in our words.
const querystring = require('querystring');

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    const params = querystring.parse(request.querystring);
    const name = 'Auth-Header';
    request.headers[name.toLowerCase()] = [{ key: name, value: params.auth }];
    delete params.auth;
    request.querystring = querystring.stringify(params);
    callback(null, request);
};
