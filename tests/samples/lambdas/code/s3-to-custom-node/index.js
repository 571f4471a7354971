'use strict';
// Developer guide, "Example: Using an origin-request trigger to change from an Amazon S3
// origin to a custom origin", in our words.
const querystring = require('querystring');

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    if (querystring.parse(request.querystring).useCustomOrigin === 'true') {
        request.origin = {
            custom: {
                domainName: 'www.example.com', port: 443, protocol: 'https', path: '',
                sslProtocols: ['TLSv1', 'TLSv1.1'], readTimeout: 5, keepaliveTimeout: 5, customHeaders: {},
            },
        };
        request.headers['host'] = [{ key: 'host', value: 'www.example.com' }];
    }
    callback(null, request);
};
