'use strict';
// awslabs/aws-cloudfront-extensions edge/nodejs/cross-origin-resource-sharing, in our words
// (its PARA_ORIGIN placeholder filled in).

const ALLOW_ORIGIN = 'https://www.example.com';

exports.handler = (event, context, callback) => {
    const headers = event.Records[0].cf.response.headers;
    headers['access-control-allow-origin'] = [{ key: 'Access-Control-Allow-Origin', value: ALLOW_ORIGIN }];
    headers['access-control-allow-headers'] = [{ key: 'Access-Control-Allow-Headers', value: 'Content-Type' }];
    headers['access-control-allow-methods'] = [{ key: 'Access-Control-Allow-Methods', value: 'OPTIONS,POST,GET' }];
    callback(null, event.Records[0].cf.response);
};
