"""The optional reminder SMS sender: AWS SNS (off unless SMS_SENDER=sns).

SNS sends to mainland China numbers only for accounts with a registered sender; the daily CSV
in build/sms/ works with any SMS platform and stays the default.
"""

from __future__ import annotations


class SnsSender:
    """Publishes one transactional SMS per reminder."""

    def __init__(self, region: str):
        import boto3

        self.client = boto3.session.Session().client("sns", region_name=region)

    def send(self, phone: str, text: str) -> None:
        """Send a text to a +86 number; raises on failure (the caller counts it)."""
        self.client.publish(
            PhoneNumber=phone,
            Message=text,
            MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
            },
        )
