'use strict';
// aws-samples/aws-lambda-edge-workshops Workshop1/Lab4_PrettyUrls, in our words: a map of
// short paths answered with a 302 whose Location entry has no key.

const redirects = { '/r/music': '/card/bcbd2481', '/r/tree': '/card/da8398f4', '/r/cat': '/card/k9b430fc' };

exports.handler = async (event) => {
    const request = event.Records[0].cf.request;
    if (redirects[request.uri]) {
        return { status: '302', statusDescription: 'Found', headers: { location: [{ value: redirects[request.uri] }] } };
    }
    return request;
};
