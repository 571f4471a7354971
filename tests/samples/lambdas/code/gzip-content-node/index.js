'use strict';
// Developer guide, "Example: Serving static website content as gzip compressed content
// (generated response)", in our words: a base64 body with bodyEncoding 'base64'.
const zlib = require('zlib');

const page = '<!DOCTYPE html><html lang="en"><body><p>Hello from Lambda@Edge!</p></body></html>\n';

exports.handler = (event, context, callback) => {
    callback(null, {
        status: '200',
        statusDescription: 'OK',
        headers: {
            'content-type': [{ key: 'Content-Type', value: 'text/html; charset=utf-8' }],
            'content-encoding': [{ key: 'Content-Encoding', value: 'gzip' }],
        },
        body: zlib.gzipSync(page).toString('base64'),
        bodyEncoding: 'base64',
    });
};
