'use strict';
// aws-samples/aws-lambda-edge-workshops Workshop1/Lab6_DynamicOriginSelection, in our
// words (its FIXME bucket filled in): a new S3 origin object with only authMethod,
// domainName and region.

const bucketOf = { 'us-west-2': 'ws-lambda-at-edge-us-c0ea3af0' };
const regionOf = { US: 'us-west-2', CA: 'us-west-2' };

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    const country = request.headers['cloudfront-viewer-country'];
    const region = country && regionOf[country[0].value];
    if (region) {
        const domainName = `${bucketOf[region]}.s3.${region}.amazonaws.com`;
        request.origin = { s3: { authMethod: 'none', domainName, region } };
        request.headers['host'] = [{ key: 'host', value: domainName }];
    } else {
        console.log('Viewer country information is not available.');
    }
    callback(null, request);
};
