'use strict';
// awslabs/aws-cloudfront-extensions edge/nodejs/add-security-headers (and the same code in
// aws-samples/aws-lambda-edge-workshops Lab1_Security), in our words: entries without a key.

exports.handler = async (event) => {
    const response = event.Records[0].cf.response;
    const add = {
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'content-security-policy': "default-src 'self'",
        'x-xss-protection': '1; mode=block',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
    };
    for (const [name, value] of Object.entries(add)) {
        response.headers[name] = [{ value }];
    }
    return response;
};
