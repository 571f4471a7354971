"""origin-response: stamp API answers with where and how they were made.

Module-scope state survives between warm invocations, as on Lambda: `served` counts
the invocations this worker has handled.
"""

import os

served = 0


def lambda_handler(event, context):
    global served
    served += 1
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["x-stamped-by"] = [
        {"key": "X-Stamped-By", "value": f"{context.function_name} in {os.environ.get('AWS_REGION', '?')}, warm call {served}"}
    ]
    return response
