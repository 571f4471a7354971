// The developer guide's HTTP redirect example as the Lambda console's Node.js 18+ template
// writes a function: an ES module (index.mjs) with an async handler and a numeric status.

export const handler = async () => ({
    status: 302,
    statusDescription: 'Found',
    headers: { location: [{ key: 'Location', value: 'http://docs.aws.amazon.com/lambda/latest/dg/lambda-edge.html' }] },
});
