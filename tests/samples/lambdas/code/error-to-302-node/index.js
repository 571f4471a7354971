'use strict';
// Developer guide, "Example: Using an origin-response trigger to update the error status
// code to 302-Found", in our words.

exports.handler = (event, context, callback) => {
    const { request, response } = event.Records[0].cf;
    if (response.status >= 400 && response.status <= 599) {
        response.status = 302;
        response.statusDescription = 'Found';
        response.body = '';
        response.headers['location'] = [{ key: 'Location', value: `/plan-b/path?${request.querystring}` }];
    }
    callback(null, response);
};
