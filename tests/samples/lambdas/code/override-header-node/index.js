'use strict';
// Developer guide, "Example: Overriding a response header", in our words: the whole
// x-amz-meta-last-modified entry (its key included) is copied under last-modified.

exports.handler = (event, context, callback) => {
    const response = event.Records[0].cf.response;
    const source = 'X-Amz-Meta-Last-Modified'.toLowerCase();
    const target = 'Last-Modified'.toLowerCase();
    if (response.headers[source]) {
        response.headers[target] = [response.headers[source][0]];
        console.log(`Response header "Last-Modified" was set to "${response.headers[target][0].value}"`);
    }
    callback(null, response);
};
