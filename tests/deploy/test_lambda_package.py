"""The Lambda package: built offline by `renewdesk package`, run by zappa's handler as on Lambda."""

from __future__ import annotations

import base64
import json
import re
import secrets
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from renewdesk import packaging
from renewdesk.config import PROJECT_ROOT, Settings
from renewdesk.wiring import Services

STAGE = "dev"
STAGES = ("dev", "prod")
HOST = "a1b2c3d4e5.execute-api.ap-east-1.amazonaws.com"
DRIVER = Path(__file__).with_name("invoke_handler.py")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|KEY|CREDENTIAL|PRIVATE|SALT", re.I)
# Headers a client can send to pass for someone else: X-Forwarded-For, and both spellings that
# would fill HTTP_X_RENEWDESK_CLIENT_IP if zappa mapped sourceIp into a header of that name.
SPOOFING = ("X-Forwarded-For", "X-Renewdesk-Client-Ip", "X_Renewdesk_Client_Ip")


def zappa_stage(stage: str):
    """The stage as zappa itself reads zappa_settings.json."""
    from zappa.cli import ZappaCLI

    cli = ZappaCLI()
    cli.api_stage = stage
    cli.load_credentials = False
    cli.load_settings(str(packaging.SETTINGS_FILE))
    return cli


@pytest.fixture(scope="session")
def package(tmp_path_factory):
    """The dev stage's zip, built once by the code behind `renewdesk package`."""
    root = tmp_path_factory.mktemp("lambda-package")
    return packaging.build(
        STAGE, root / f"lambda-{STAGE}.zip", work_dir=root / "work", log=lambda line: None
    )


@pytest.fixture(scope="session")
def unpacked(package, tmp_path_factory):
    """The zip unpacked as /var/task, with the Lambda runtime's boto3 beside it."""
    return packaging.unpack_like_lambda(package, tmp_path_factory.mktemp("lambda-task"))


@pytest.fixture(scope="session")
def stage_settings(dynamodb) -> Settings:
    """What the packaged app reads from its zappa environment, pointed at DynamoDB Local."""
    env = zappa_stage(STAGE).environment_variables
    settings = Settings(
        table_name=env["TABLE_NAME"],
        store_id=env["STORE_ID"],
        site_origin=env["SITE_ORIGIN"],
        dynamodb_endpoint=dynamodb.endpoint,
    )
    Services(settings).ensure_table()
    return settings


@pytest.fixture
def invoke(unpacked, stage_settings, tmp_path):
    """Send API Gateway events to the packaged handler in a fresh process; answers and logs."""
    command, base_env, task = unpacked

    def run(events: list[dict], **env: str) -> tuple[list[dict], str, dict]:
        out = tmp_path / f"answers-{uuid.uuid4().hex}.json"
        result = subprocess.run(
            [*command, str(DRIVER), str(out)],
            input=json.dumps(events),
            cwd=task,
            env={**base_env, "DYNAMODB_ENDPOINT": stage_settings.dynamodb_endpoint, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        produced = json.loads(out.read_text(encoding="utf-8"))
        return produced["answers"], result.stdout + result.stderr, produced["origins"]

    return run


@pytest.fixture
def lead_store(stage_settings):
    """The leads the packaged app writes, read from the test process."""
    return Services(stage_settings).stores.leads


def source_ip() -> str:
    """An address of its own for each test (IPv6 documentation range), as API Gateway sees it."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def customer() -> dict[str, str]:
    """A car owner nobody else in this run uses (the table is shared by the tests here)."""
    digits = f"{secrets.randbelow(10**8):08d}"
    return {"name": "李娜", "phone": f"139{digits}", "plate": f"粤B{digits[:5]}", "consent": "on"}


def api_event(
    method: str,
    path: str,
    ip: str,
    *,
    body: bytes | None = None,
    content_type: str | None = None,
    headers: dict[str, str] | None = None,
    as_base64: bool = False,
) -> dict:
    """An API Gateway REST (v1) proxy event as it reaches the function."""
    sent = {
        "Host": HOST,
        "User-Agent": "Mozilla/5.0 (iPhone)",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Port": "443",
        **(headers or {}),
    }
    # API Gateway appends the address it saw to whatever X-Forwarded-For the client sent.
    sent["X-Forwarded-For"] = ", ".join(filter(None, [sent.get("X-Forwarded-For"), ip]))
    if content_type:
        sent["Content-Type"] = content_type
    text = None
    if body is not None:
        text = base64.b64encode(body).decode() if as_base64 else body.decode("utf-8")
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": sent,
        "multiValueHeaders": {k: [v] for k, v in sent.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "requestId": str(uuid.uuid4()),
            "accountId": "123456789012",
            "apiId": HOST.split(".")[0],
            "domainName": HOST,
            "protocol": "HTTP/1.1",
            "identity": {
                "sourceIp": ip,
                "userAgent": sent["User-Agent"],
                "caller": None,
                "user": None,
                "userArn": None,
            },
        },
        "body": text,
        "isBase64Encoded": as_base64,
    }


def json_post(fields: dict, ip: str, headers: dict[str, str] | None = None) -> dict:
    """A renewal request as the site's script sends it."""
    body = json.dumps({**fields, "consent": True}, ensure_ascii=False).encode()
    return api_event(
        "POST", "/api/renewals", ip, body=body, content_type="application/json", headers=headers
    )


def assert_no_personal_data(logs: str, person: dict[str, str]) -> None:
    """Neither the name, the phone nor the plate appears in the text."""
    for value in (person["name"], person["phone"], person["plate"], person["phone"][-8:]):
        assert value not in logs, "personal data in the handler's logs"


def test_a_json_renewal_request_through_the_packaged_handler_is_stored(invoke, lead_store):
    person = customer()
    [answer], logs, _ = invoke([json_post(person, source_ip())])
    assert answer["statusCode"] == 201
    body = json.loads(answer["body"])
    assert body["duplicate"] is False
    lead = lead_store.get_lead(body["lead_id"])
    assert (lead.name, lead.phone, lead.plate) == (
        person["name"],
        "+86" + person["phone"],
        person["plate"],
    )
    # The consent version comes from content/consent.yml, which must travel in the zip.
    assert lead.consent_version == Services(Settings()).public.consent.version
    assert_no_personal_data(logs, person)


@pytest.mark.parametrize("as_base64", [False, True], ids=["plain-body", "base64-body"])
def test_a_form_post_through_the_packaged_handler_is_stored_and_redirected_to_thanks(
    invoke, lead_store, stage_settings, as_base64
):
    person = customer()
    event = api_event(
        "POST",
        "/api/renewals",
        source_ip(),
        body=urlencode(person).encode(),
        content_type="application/x-www-form-urlencoded",
        as_base64=as_base64,
    )
    [answer], logs, _ = invoke([event])
    assert answer["statusCode"] == 303
    location = urlsplit(answer["headers"]["Location"])
    assert f"{location.scheme}://{location.netloc}" == stage_settings.site_origin
    assert location.path == "/thanks/"
    [lead_id] = parse_qs(location.query)["lead"]
    assert lead_store.get_lead(lead_id).plate == person["plate"]
    assert_no_personal_data(logs + answer["headers"]["Location"], person)


def test_rate_limits_count_the_api_gateway_source_ip_whatever_the_client_headers_say(
    invoke, stage_settings
):
    real, other = source_ip(), source_ip()
    events = [json_post(customer(), real, {h: source_ip() for h in SPOOFING}) for _ in range(3)]
    # Another caller who claims to be the first one is counted as who they are.
    events.append(json_post(customer(), other, dict.fromkeys(SPOOFING, real)))
    answers, _, _ = invoke(events, RATE_LIMIT_PER_ADDRESS_PER_HOUR="2")
    assert [a["statusCode"] for a in answers] == [201, 201, 429, 201]
    assert int(answers[2]["headers"]["Retry-After"]) <= 3600
    counted = {ip: counter_value(stage_settings, ip) for ip in (real, other)}
    assert counted == {real: 2, other: 1}


def counter_value(settings: Settings, address: str) -> int:
    """The per-address submission counter of this hour, read straight from the table."""
    client = Services(settings).client
    prefix = f"ST#{settings.store_id}#RATE#address#{address}#"
    found = client.scan(
        TableName=settings.table_name,
        ConsistentRead=True,
        FilterExpression="begins_with(pk, :p)",
        ExpressionAttributeValues={":p": {"S": prefix}},
    )["Items"]
    assert len(found) == 1, found
    return int(found[0]["n"]["N"])


def test_health_through_the_packaged_handler_has_security_headers_and_cors_for_the_site_only(
    invoke, stage_settings
):
    ip = source_ip()
    answers, _, _ = invoke(
        [
            api_event("GET", "/api/health", ip, headers={"Origin": stage_settings.site_origin}),
            api_event("GET", "/api/health", ip, headers={"Origin": "https://evil.example"}),
        ]
    )
    site, stranger = answers
    assert (site["statusCode"], json.loads(site["body"])) == (200, {"status": "ok"})
    headers = site["headers"]
    assert headers["Access-Control-Allow-Origin"] == stage_settings.site_origin
    assert "Access-Control-Allow-Origin" not in stranger["headers"]
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"


def test_the_package_runs_on_its_own_files_and_the_runtime_boto3_only(invoke, unpacked):
    _, _, task = unpacked
    _, _, origins = invoke([api_event("GET", "/api/health", source_ip())])
    for name in ("renewdesk", "flask", "zappa"):
        assert Path(origins[name]).is_relative_to(task), (name, origins[name])
    assert not Path(origins["boto3"]).resolve().is_relative_to(task)


def test_the_zip_leaves_out_the_project_folders_and_what_the_runtime_brings(package):
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
    top = {name.split("/")[0] for name in names}
    assert {"handler.py", "zappa_settings.py", "renewdesk", "content"} <= top
    assert "content/consent.yml" in names
    # Every file of the package, templates and message catalogs too (package-data in pyproject).
    source = PROJECT_ROOT / "functions"
    missing = {
        str(p.relative_to(source))
        for p in (source / "renewdesk").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    } - set(names)
    assert not missing, f"not in the Lambda zip: {sorted(missing)}"
    leaked = {p.name for p in PROJECT_ROOT.iterdir() if p.name != "content"} & top
    assert not leaked, f"project files in the Lambda zip; add them to exclude: {leaked}"
    provided = {n for n in top if n.split(".")[0] in packaging.RUNTIME_PROVIDED}
    assert not provided, f"the Lambda runtime brings these: {provided}"
    # The command-line half of zappa (troposphere, kappa...) never runs on Lambda.
    assert not {"troposphere", "placebo", "tqdm", "pip", "setuptools"} & top
    # Bytecode is shipped: /var/task is read-only, so Python could not cache it there.
    assert f"renewdesk/__pycache__/app.{sys.implementation.cache_tag}.pyc" in names


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_is_hardened(stage):
    cli = zappa_stage(stage)
    config = cli.stage_config
    assert cli.app_function == "renewdesk.lambda_app.app"
    assert cli.runtime == f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert cli.debug is False and cli.log_level == "WARNING"
    assert cli.use_function_url is False and not cli.cors
    assert cli.manage_roles is False and config["role_name"] == f"renewdesk-{stage}-lambda"
    assert config["use_precompiled_packages"] is False
    assert cli.binary_support is True  # base64 bodies of form posts are decoded
    env = {**cli.environment_variables, **cli.aws_environment_variables}
    # A Parameter Store prefix says where the secrets are, not what they are.
    assert not [
        n
        for n, v in env.items()
        if SECRET_NAME.search(n) and not (n.endswith("_PREFIX") and v.startswith("/"))
    ]
    assert not cli.remote_env and not cli.stage_config.get("remote_env_file")
    assert {"TABLE_NAME", "STORE_ID", "SITE_ORIGIN"} <= set(cli.environment_variables)
    excluded = set(config["exclude"])
    assert all(m in excluded or f"{m}.py" in excluded for m in packaging.RUNTIME_PROVIDED)


def role_policy(stage: str) -> list[dict]:
    """The statements of the stage's role policy, actions and resources always as lists."""
    path = PROJECT_ROOT / "deploy" / f"iam-policy-{stage}.json"
    statements = json.loads(path.read_text())["Statement"]
    for s in statements:
        s["Action"] = [s["Action"]] if isinstance(s["Action"], str) else s["Action"]
        s["Resource"] = [s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"]
    return statements


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_role_reaches_only_its_table_indexes_secrets_and_log_group(stage):
    cli = zappa_stage(stage)
    region, env = cli.aws_region, cli.environment_variables
    table_arn = f"arn:aws:dynamodb:{region}:*:table/{env['TABLE_NAME']}"
    log_group = f"arn:aws:logs:{region}:*:log-group:/aws/lambda/{cli.lambda_name}"
    allowed = {
        "dynamodb": {table_arn, f"{table_arn}/index/*"},
        "ssm": {f"arn:aws:ssm:{region}:*:parameter{env['SECRETS_PARAMETER_PREFIX']}*"},
        "logs": {log_group, f"{log_group}:*"},
        # Roster uploads: the file waits in the stage's bucket, the function runs its import.
        "s3": {f"arn:aws:s3:::{env['ROSTER_UPLOAD_BUCKET']}/roster-imports/*"},
        "lambda": {f"arn:aws:lambda:{region}:*:function:{cli.lambda_name}"},
    }
    for statement in role_policy(stage):
        assert statement["Effect"] == "Allow" and "NotAction" not in statement
        assert all("*" not in a for a in statement["Action"])
        [service] = {a.split(":")[0] for a in statement["Action"]}
        assert set(statement["Resource"]) <= allowed[service], statement["Sid"]
    ssm = {a for s in role_policy(stage) for a in s["Action"] if a.startswith("ssm:")}
    assert ssm == {"ssm:GetParameter"}


# boto3 client calls of store/ and the IAM actions that allow them.
CALL_ACTIONS = {
    "get_item": "GetItem",
    "put_item": "PutItem",
    "update_item": "UpdateItem",
    "delete_item": "DeleteItem",
    "query": "Query",
    "scan": "Scan",
    "batch_get_item": "BatchGetItem",
    "batch_write_item": "BatchWriteItem",
    "transact_get_items": "GetItem",
}
TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
# Table set-up, run by `renewdesk db init` with an operator's credentials, never on Lambda.
TABLE_ADMIN = {
    "list_tables",
    "create_table",
    "describe_table",
    "update_table",
    "update_time_to_live",
    "update_continuous_backups",
    "get_waiter",
}
# Erasing a customer (`renewdesk customers erase`, store/privacy.py) scans the table for their
# roster policies; operators run it with their own credentials, so the Lambda role never scans.
OPERATOR_ONLY = {"scan"}


def test_each_stage_role_allows_exactly_the_dynamodb_actions_the_store_uses():
    source = "\n".join(
        p.read_text() for p in (PROJECT_ROOT / "functions/renewdesk/store").glob("*.py")
    )
    # Calls and method references alike (StoreTable._call takes the method): client.get_item
    calls = set(re.findall(r"client\.([a-z_]+)\b", source)) - TABLE_ADMIN - OPERATOR_ONLY
    calls -= {"exceptions"}
    scanners = {
        p.name
        for p in (PROJECT_ROOT / "functions/renewdesk/store").glob("*.py")
        if re.search(r"client\.scan\b", p.read_text())
    }
    assert scanners == {"privacy.py"}, f"only operator erasure may scan: {scanners}"
    unknown = calls - set(CALL_ACTIONS) - {"transact_write_items"}
    assert not unknown, f"map these store calls to IAM actions here: {unknown}"
    needed = {CALL_ACTIONS[c] for c in calls if c in CALL_ACTIONS}
    if "transact_write_items" in calls:
        kinds = set(re.findall(r'"(Put|Update|Delete|ConditionCheck)":', source))
        needed |= {TRANSACT_ACTIONS[k] for k in kinds}
    for stage in STAGES:
        granted = {
            a.removeprefix("dynamodb:")
            for s in role_policy(stage)
            for a in s["Action"]
            if a.startswith("dynamodb:")
            and any(
                r.endswith(f"table/{zappa_stage(stage).environment_variables['TABLE_NAME']}")
                for r in s["Resource"]
            )
        }
        assert granted == needed, stage


def test_packaging_an_unknown_stage_fails_naming_the_stages_there_are():
    from click.testing import CliRunner

    from renewdesk.cli import main

    result = CliRunner().invoke(main, ["package", "--stage", "staging"])
    assert result.exit_code == 1
    assert "no stage 'staging'; it has dev, prod" in result.output


def test_the_zip_carries_openpyxl_for_the_xlsx_reports_and_stays_under_10_mb(package, unpacked):
    """The 续保率 board and the defeat analysis are served as XLSX on Lambda."""
    assert package.stat().st_size < 10 * 1024 * 1024, package.stat().st_size
    command, env, task = unpacked
    script = (
        "from renewdesk.services.exports import Percent, xlsx_bytes;"
        "print(len(xlsx_bytes({'续保率': [['件数续保率', Percent(0.9231)]]})))"
    )
    result = subprocess.run(
        [*command, "-c", script], cwd=task, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout) > 1000
