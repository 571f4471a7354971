'use strict';
// Developer guide, "Example: A/B testing" (viewer-request), in our words.

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    if (request.uri !== '/experiment-pixel.jpg') {
        callback(null, request);
        return;
    }
    const groups = [
        ['X-Experiment-Name=A', '/experiment-group/control-pixel.jpg'],
        ['X-Experiment-Name=B', '/experiment-group/treatment-pixel.jpg'],
    ];
    let chosen;
    for (const line of request.headers.cookie || []) {
        const hit = groups.find(([cookie]) => line.value.indexOf(cookie) >= 0);
        if (hit) {
            console.log(`Experiment ${hit[0].slice(-1)} cookie found`);
            chosen = hit[1];
            break;
        }
    }
    if (!chosen) {
        console.log('Experiment cookie has not been found. Throwing dice...');
        chosen = Math.random() < 0.75 ? groups[0][1] : groups[1][1];
    }
    request.uri = chosen;
    console.log(`Request uri set to "${request.uri}"`);
    callback(null, request);
};
