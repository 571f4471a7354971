'use strict';
// Developer guide, "Example: Using an origin-request trigger to change the Amazon S3
// origin Region", in our words: the viewer's country picks a bucket and its region.

const regionOf = { DE: 'eu-central-1', IE: 'eu-west-1', GB: 'eu-west-2', FR: 'eu-west-3', JP: 'ap-northeast-1', IN: 'ap-south-1' };

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    const country = request.headers['cloudfront-viewer-country'];
    const region = country && regionOf[country[0].value];
    if (region) {
        request.origin.s3.region = region;
        const domainName = `my-bucket-in-${region}.s3.amazonaws.com`;
        request.origin.s3.domainName = domainName;
        request.headers['host'] = [{ key: 'host', value: domainName }];
    }
    callback(null, request);
};
