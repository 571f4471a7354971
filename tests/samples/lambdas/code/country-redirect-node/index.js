'use strict';
// Developer guide, "Example: Redirecting viewer requests to a country-specific URL"
// (origin-request: CloudFront adds CloudFront-Viewer-Country after viewer-request), in our words.

const byCountry = { TW: 'https://tw.example.com/', US: 'https://us.example.com/' };

exports.handler = (event, context, callback) => {
    const country = event.Records[0].cf.request.headers['cloudfront-viewer-country'];
    const url = (country && byCountry[country[0].value]) || 'https://example.com/';
    callback(null, {
        status: '302',
        statusDescription: 'Found',
        headers: { location: [{ key: 'Location', value: url }] },
    });
};
