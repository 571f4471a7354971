'use strict';
// awslabs/aws-cloudfront-extensions edge/nodejs/modify-response-status-code, in our words:
// origin-response turns any answer into a 500.

exports.handler = async (event, context) => {
    const response = event.Records[0].cf.response;
    response.status = '500';
    return response;
};
