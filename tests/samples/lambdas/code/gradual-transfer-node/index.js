'use strict';
// Developer guide, "Example: Using an origin-request trigger to gradually transfer traffic
// from one Amazon S3 bucket to another", in our words: 80 % of requests go to blue-bucket.

const BLUE_TRAFFIC_PERCENTAGE = 80;

function randomInt(min, max) {
    return Math.floor(Math.random() * (max - min + 1)) + min;
}

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    if (randomInt(1, 100) <= BLUE_TRAFFIC_PERCENTAGE) {
        const domainName = 'blue-bucket.s3.amazonaws.com';
        request.origin.s3.domainName = domainName;
        request.headers['host'] = [{ key: 'host', value: domainName }];
    }
    callback(null, request);
};
