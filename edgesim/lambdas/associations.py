"""Association-time checks (spec 5.5): what CloudFront refuses when a distribution is saved.

CloudFront answers HTTP 400 `InvalidLambdaFunctionAssociation` for these; edgesim refuses
the config at load with the same name and the field path of the association. A bare
function name (edgesim's local shorthand for `LambdaFunctionARN`) is accepted; a full ARN
must name a numbered version in us-east-1.
"""

from __future__ import annotations

import functools
import io
import os
import re
import zipfile
from pathlib import Path

from edgesim.config.model import Association, CacheBehavior, EdgeConfig, LambdaConfig
from edgesim.lambdas.runtimes import NODE_RUNTIMES, node_missing_reason, task_root

ERROR = "InvalidLambdaFunctionAssociation"
ARN = re.compile(r"^arn:aws:lambda:(?P<region>[^:]+):\d{12}:function:(?P<name>[^:]+)(?::(?P<qualifier>[^:]+))?$")
RESPONSE_EVENTS = frozenset({"origin-response", "viewer-response"})
MB = 1024 * 1024
# Spec 3.1: the most a function may ask for, per trigger side.
TRIGGER_MAXIMUMS = {
    "viewer": {"timeout": 5, "memory": 128, "package": 1 * MB},
    "origin": {"timeout": 30, "memory": 10240, "package": 50 * MB},
}


def validate_lambda_associations(config: EdgeConfig) -> list[str]:
    """Every reason CloudFront would refuse this config's Lambda@Edge associations."""
    problems: list[str] = []
    used: dict[str, LambdaConfig] = {}
    for behavior in config.distribution.all_behaviors():
        lambdas = [a for a in behavior.associations if a.kind == "lambda"]
        for index, assoc in enumerate(lambdas):
            problems.extend(_check(config, behavior, index, assoc))
            if assoc.name in config.lambdas:
                used[assoc.name] = config.lambdas[assoc.name]
    for lam in used.values():
        problems.extend(_runtime_problems(lam))
    return problems


def _check(config: EdgeConfig, behavior: CacheBehavior, index: int, assoc: Association) -> list[str]:
    where = f"{behavior.field_path}.LambdaFunctionAssociations.Items[{index}]"
    arn_field = f"{where}.LambdaFunctionARN"
    problems: list[str] = []

    def refuse(field: str, message: str) -> None:
        problems.append(f"{field}: {ERROR}: {message}")

    match = ARN.match(assoc.arn)
    if match:
        if match["region"] != "us-east-1":
            refuse(arn_field, f"The function must be in region 'us-east-1', not '{match['region']}'")
        qualifier = match["qualifier"]
        if qualifier is None:
            refuse(arn_field, "The function ARN must reference a numbered version (it is unqualified)")
        elif not qualifier.isdigit():
            refuse(arn_field, f"The function ARN must reference a numbered version, not '{qualifier}'")
    if assoc.include_body and assoc.event_type in RESPONSE_EVENTS:
        refuse(f"{where}.IncludeBody", f"IncludeBody is only allowed for request events, not {assoc.event_type}")
    lam = config.lambdas.get(assoc.name)
    if lam is None:
        refuse(arn_field, f"cannot retrieve the specified Lambda function '{assoc.name}' (it is not in Lambdas)")
        return problems
    side = "viewer" if assoc.event_type.startswith("viewer-") else "origin"
    maximum = TRIGGER_MAXIMUMS[side]
    if lam.timeout is not None and lam.timeout > maximum["timeout"]:
        refuse(arn_field, f"The function timeout is too large for {assoc.event_type}: {lam.timeout:g} Max allowed: {maximum['timeout']}")
    if lam.memory_size > maximum["memory"]:
        refuse(arn_field, f"The function memory size is too large for {assoc.event_type}: {lam.memory_size} Max allowed: {maximum['memory']}")
    size = package_size(lam.code_path)
    if size > maximum["package"]:
        refuse(arn_field, f"The function code size is too large for {assoc.event_type}: {size} Max allowed: {maximum['package']}")
    return problems


def _runtime_problems(lam: LambdaConfig) -> list[str]:
    """Problems with running `lam` on this machine, said once per function."""
    missing = node_missing_reason() if lam.runtime in NODE_RUNTIMES else None
    return [f"Lambdas.{lam.name}.Runtime: {lam.runtime}: {missing}"] if missing else []


class _Counter(io.RawIOBase):
    """A write-only sink that only counts, to size a zip without keeping it."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.size += len(data)
        return len(data)


@functools.lru_cache(maxsize=64)
def package_size(code_path: Path) -> int:
    """The deployment package's size: the code deflated into a zip, as Lambda measures it."""
    counter = _Counter()
    root = task_root(code_path)
    files = [code_path] if code_path.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    with zipfile.ZipFile(counter, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, os.path.relpath(path, root))
    return counter.size
