'use strict';
// Developer guide, "Example: Generating an HTTP redirect (generated response)", in our words.

exports.handler = (event, context, callback) => {
    callback(null, {
        status: '302',
        statusDescription: 'Found',
        headers: {
            location: [{ key: 'Location', value: 'http://docs.aws.amazon.com/lambda/latest/dg/lambda-edge.html' }],
        },
    });
};
