'use strict';
// Developer guide, "Example: Using an origin-request trigger to change the origin domain
// name based on the country header", in our words.

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    const country = request.headers['cloudfront-viewer-country'];
    if (country && ['GB', 'DE', 'IE'].includes(country[0].value)) {
        const domainName = 'eu.example.com';
        request.origin.custom.domainName = domainName;
        request.headers['host'] = [{ key: 'host', value: domainName }];
    }
    callback(null, request);
};
