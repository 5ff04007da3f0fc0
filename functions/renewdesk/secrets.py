"""Secrets the app needs at run time (e.g. the key that signs renewal links).

Never from environment variables: on AWS a SecureString in SSM Parameter Store, named
``<SECRETS_PARAMETER_PREFIX><name>`` (e.g. ``/renewdesk/prod/link-signing-key``); locally a
file ``.local/secrets/<name>`` generated on first use (random, readable by its owner only).
Callers cache the value (the Backend does, once per process).
"""

from __future__ import annotations

import os
import re
import secrets as random_source
from pathlib import Path

from renewdesk.config import Settings

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
GENERATED_BYTES = 32


class SecretUnavailable(RuntimeError):
    """The secret cannot be read; the message says where it was looked for (never its value)."""


def read_secret(settings: Settings, name: str) -> bytes:
    """The secret called ``name``: from SSM when a parameter prefix is set, else a local file."""
    if not NAME_RE.match(name):
        raise ValueError(f"bad secret name {name!r}")
    if settings.secrets_parameter_prefix:
        return _from_parameter_store(settings, settings.secrets_parameter_prefix + name)
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        # Lambda's disk is read-only and short-lived: a generated key would differ per instance.
        raise SecretUnavailable("SECRETS_PARAMETER_PREFIX must be set on Lambda")
    return _from_local_file(Path(settings.secrets_dir) / name)


def _from_parameter_store(settings: Settings, parameter: str) -> bytes:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.session.Session().client("ssm", region_name=settings.region)
    try:
        answer = client.get_parameter(Name=parameter, WithDecryption=True)
    except (BotoCoreError, ClientError) as error:
        raise SecretUnavailable(f"SSM parameter {parameter}: {type(error).__name__}") from None
    value = answer["Parameter"]["Value"].strip()
    if len(value) < 32:
        raise SecretUnavailable(f"SSM parameter {parameter} is shorter than 32 characters")
    return value.encode()


def _from_local_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{random_source.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(random_source.token_hex(GENERATED_BYTES))
        try:
            # A hard link appears whole or not at all: of two processes starting at once, one
            # key wins and both read it.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    value = path.read_text().strip()
    if len(value) < 32:
        raise SecretUnavailable(f"{path} is shorter than 32 characters")
    return value.encode()


def read_optional_secret(settings: Settings, name: str) -> str | None:
    """A secret that may not exist (a robot's webhook): from SSM when a parameter prefix is set,
    None when the parameter is missing or no prefix is set (locally it comes from the
    environment instead, never from a generated file)."""
    if not NAME_RE.match(name):
        raise ValueError(f"bad secret name {name!r}")
    if not settings.secrets_parameter_prefix:
        return None
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    parameter = settings.secrets_parameter_prefix + name
    client = boto3.session.Session().client("ssm", region_name=settings.region)
    try:
        answer = client.get_parameter(Name=parameter, WithDecryption=True)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise SecretUnavailable(f"SSM parameter {parameter}: {type(error).__name__}") from None
    except BotoCoreError as error:
        raise SecretUnavailable(f"SSM parameter {parameter}: {type(error).__name__}") from None
    return str(answer["Parameter"]["Value"]).strip() or None
