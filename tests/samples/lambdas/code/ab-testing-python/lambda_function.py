# Developer guide, "Example: A/B testing" (viewer-request), Python tab, in our words.
import random

GROUPS = (
    ("X-Experiment-Name=A", "/experiment-group/control-pixel.jpg"),
    ("X-Experiment-Name=B", "/experiment-group/treatment-pixel.jpg"),
)


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"] != "/experiment-pixel.jpg":
        return request
    chosen = ""
    for line in request["headers"].get("cookie", []):
        hit = next((g for g in GROUPS if g[0] in line["value"]), None)
        if hit:
            print(f"Experiment {hit[0][-1]} cookie found")
            chosen = hit[1]
            break
    if not chosen:
        print("Experiment cookie has not been found. Throwing dice...")
        chosen = GROUPS[0][1] if random.random() < 0.75 else GROUPS[1][1]
    request["uri"] = chosen
    print(f"Request uri set to {chosen}")
    return request
