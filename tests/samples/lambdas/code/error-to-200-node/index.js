'use strict';
// Developer guide, "Example: Using an origin-response trigger to update the error status
// code to 200-OK", in our words. Like the guide's, it compares the string status with
// numbers and sets a number.

exports.handler = (event, context, callback) => {
    const response = event.Records[0].cf.response;
    if (response.status >= 400 && response.status <= 599) {
        response.status = 200;
        response.statusDescription = 'OK';
        response.body = 'Body generation example';
    }
    callback(null, response);
};
