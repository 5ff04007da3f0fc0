"""The link-signing key (a generated file locally, SSM Parameter Store on AWS) and the optional
SNS sender, against moto's server over HTTP."""

from __future__ import annotations

import stat

import boto3
import pytest

from renewdesk.secrets import SecretUnavailable, read_secret
from tests.roster.conftest import row


@pytest.fixture
def aws(monkeypatch):
    """moto's server standing in for SSM and SNS; the SDK finds it through its endpoint
    variables."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_ENDPOINT_URL_SSM": f"http://127.0.0.1:{port}",
        "AWS_ENDPOINT_URL_SNS": f"http://127.0.0.1:{port}",
    }.items():
        monkeypatch.setenv(name, value)
    yield
    server.stop()


def test_locally_the_key_is_generated_once_readable_by_its_owner_only(settings):
    first = read_secret(settings, "link-signing-key")
    path = settings.secrets_dir / "link-signing-key"
    assert len(first) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_secret(settings, "link-signing-key") == first
    assert list(settings.secrets_dir.iterdir()) == [path]


def test_on_aws_the_key_comes_from_parameter_store(settings, aws):
    ssm = boto3.session.Session().client("ssm", region_name=settings.region)
    ssm.put_parameter(Name="/renewdesk/test/link-signing-key", Value="s" * 48, Type="SecureString")
    on_aws = settings.with_(secrets_parameter_prefix="/renewdesk/test/")
    assert read_secret(on_aws, "link-signing-key") == b"s" * 48
    assert not settings.secrets_dir.exists()


def test_a_missing_parameter_is_named_without_any_value(settings, aws):
    with pytest.raises(SecretUnavailable, match="/renewdesk/none/link-signing-key"):
        read_secret(settings.with_(secrets_parameter_prefix="/renewdesk/none/"), "link-signing-key")


def test_lambda_without_a_parameter_prefix_refuses_to_make_up_a_key(settings, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "renewdesk-dev")
    with pytest.raises(SecretUnavailable, match="SECRETS_PARAMETER_PREFIX"):
        read_secret(settings, "link-signing-key")


def test_with_the_sns_sender_each_reminder_is_sent_once(app, settings, import_rows, aws):
    from moto.sns.models import sns_backends

    backend = app.extensions["renewdesk"]
    backend.settings = settings.with_(sms_sender="sns")
    outbox = sns_backends["123456789012"][settings.region].sms_messages
    outbox.clear()
    import_rows(
        [row("粤B80001", 60, phone="13800138081"), row("粤B80002", 58, phone="13800138082")]
    )
    report = backend.roster.reminders.run()
    assert (report.sms_sent, report.sms_failed) == (2, 0)
    assert {phone for phone, _ in outbox.values()} == {"+8613800138081", "+8613800138082"}
    assert all(text.endswith("回复TD退订") for _, text in outbox.values())
    again = backend.roster.reminders.run()
    assert (again.sms_sent, len(again.messages), len(outbox)) == (0, 2, 2)
