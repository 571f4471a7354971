"""Lambda@Edge: real worker processes behind the Lambda Runtime API.

`runtime_api` serves the API on loopback, `worker` starts and watches one process,
`pool` keeps warm workers per function version and region, `runtimes` and `bootstraps/`
say how each runtime starts, `event` builds what a function sees, `validation` reads what
it returns as CloudFront would, `provider` is the hook the pipeline calls, `associations`
holds the checks CloudFront runs when a distribution is saved, `command` is `edgesim invoke`,
`debugging` is `serve --inspect`.
"""
