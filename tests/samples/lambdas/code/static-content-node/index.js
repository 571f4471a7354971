'use strict';
// Developer guide, "Example: Serving static content (generated response)", in our words.

const page = `
<!DOCTYPE html>
<html lang="en">
  <head><meta charset="utf-8"><title>Simple Lambda@Edge Static Content Response</title></head>
  <body><p>Hello from Lambda@Edge!</p></body>
</html>
`;

exports.handler = (event, context, callback) => {
    callback(null, {
        status: '200',
        statusDescription: 'OK',
        headers: {
            'cache-control': [{ key: 'Cache-Control', value: 'max-age=100' }],
            'content-type': [{ key: 'Content-Type', value: 'text/html' }],
        },
        body: page,
    });
};
