'use strict';
// Developer guide, "Example: Normalizing query string parameters to improve the cache hit
// ratio", in our words: lower-case names and values, names in alphabetical order.
const querystring = require('querystring');

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    console.log('Query String: ', request.querystring);
    const params = querystring.parse(request.querystring.toLowerCase());
    const sorted = {};
    Object.keys(params).sort().forEach((name) => { sorted[name] = params[name]; });
    request.querystring = querystring.stringify(sorted);
    callback(null, request);
};
