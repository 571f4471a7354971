'use strict';
// awslabs/aws-cloudfront-extensions edge/nodejs/anti-hotlinking, in our words: the
// Referer's host must match one of the allowed patterns (* and ?), else a 403 with a body
// and no headers. Its PARA_REFERERLIST placeholder is filled in.

const ALLOWED = '*.example.com,example.org';

function matches(text, pattern) {
    if (text === undefined) {
        return false;
    }
    const regex = new RegExp('^' + pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('') + '$');
    return regex.test(text);
}

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    const referer = ((request.headers.referer || [])[0] || { value: '' }).value.split('/')[2];
    if (ALLOWED.split(',').some((pattern) => matches(referer, pattern))) {
        return callback(null, request);
    }
    callback(null, { status: '403', statusDescription: 'Forbidden', body: 'Access Denied\n' });
};
