'use strict';
// Developer guide, "Example: Using a request trigger to read an HTML form" (IncludeBody), in our words.
const querystring = require('querystring');

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    if (request.method === 'POST') {
        const form = querystring.parse(Buffer.from(request.body.data, 'base64').toString());
        for (const name in form) {
            console.log(`For "${name}" user submitted "${form[name]}".`);
        }
    }
    return callback(null, request);
};
