'use strict';
// Developer guide, "Example: Using an origin-request trigger to change from a custom
// origin to an Amazon S3 origin", in our words (region '' as the guide sets it).
const querystring = require('querystring');

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    if (querystring.parse(request.querystring).useS3Origin === 'true') {
        const bucket = 'my-bucket.s3.amazonaws.com';
        request.origin = { s3: { domainName: bucket, region: '', authMethod: 'none', path: '', customHeaders: {} } };
        request.headers['host'] = [{ key: 'host', value: bucket }];
    }
    callback(null, request);
};
