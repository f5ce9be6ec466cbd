"""
LocalStack init hook (stage READY, run inside the LocalStack process): SNS e-mail delivered over SMTP.
Local stack only; docker-compose.yml mounts this file into /etc/localstack/init/ready.d/.

Why it exists: LocalStack 4.14 (community) does not send SNS e-mail anywhere. Its SNS hands every
`email` / `email-json` delivery to its own SES emulator (services/sns/publisher.py,
EmailJsonTopicPublisher._publish: `ses_client.send_email(..., Subject "SNS-Subscriber-Endpoint")`),
and that SES only keeps messages in memory for GET /_aws/ses: localstack-core 4.14.0 contains no SMTP
client at all, and SMTP_HOST is a setting of LocalStack's paid edition only. So the Publish Subject
is lost, and no mail reaches a mail catcher.

What it does: replaces only that last step. Which subscriptions get a message (filter policies), and
which body each protocol gets (MessageStructure json: the "email" key, else "default"), stay
LocalStack's own code; this hook sends the result as a plain-text mail, with the Publish Subject (AWS's
default "AWS Notification Message" without one), to SMTP_HOST. Without SMTP_HOST it changes nothing.

Settings (environment of the LocalStack container):
  SMTP_HOST               host:port of the SMTP server (the local stack: mailpit:1025)
  SNS_SES_SENDER_ADDRESS  the From address (LocalStack's own setting for SNS e-mail); default below
The From name is the topic's DisplayName, as on AWS.
"""

import logging
import os
import smtplib
import time
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from localstack.services.sns import publisher

LOG = logging.getLogger("imgproc.sns_email_smtp")

SMTP_HOST = os.environ.get("SMTP_HOST", "").strip()
SENDER = os.environ.get("SNS_SES_SENDER_ADDRESS", "").strip() or "no-reply@sns.localhost"
# SNS's subject when a Publish has none.
DEFAULT_SUBJECT = "AWS Notification Message"
# Where AWS puts its unsubscribe link, the local stack says what sent the mail.
FOOTER = (
    "\n--\n"
    "Delivered by the local stack: LocalStack SNS, sent over SMTP by images/localstack/sns-email-smtp.py.\n"
    "On AWS, SNS ends the mail with a link to unsubscribe instead.\n"
)
ATTEMPTS = 3


def _check_localstack_matches() -> None:
    """Fails the hook (and the container's health check) if LocalStack's code is not what this patches."""
    email_publisher = getattr(publisher, "EmailJsonTopicPublisher", None)
    text_publisher = getattr(publisher, "EmailTopicPublisher", None)
    dispatcher = getattr(publisher, "PublishDispatcher", None)
    notifiers = getattr(dispatcher, "topic_notifiers", {})
    if not (
        email_publisher
        and text_publisher
        and callable(getattr(email_publisher, "_publish", None))
        and isinstance(notifiers.get("email"), text_publisher)
        and isinstance(notifiers.get("email-json"), email_publisher)
    ):
        raise RuntimeError(
            "sns-email-smtp: this LocalStack's SNS e-mail publishers are not the ones of 4.14 this hook patches"
        )


def _split_host(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise RuntimeError(f"sns-email-smtp: SMTP_HOST must be host:port, not {value!r}")
    return host, int(port)


def _publish_over_smtp(self, context, subscriber) -> None:
    endpoint = subscriber.get("Endpoint")
    if not endpoint:
        return
    body = self.prepare_message(context.message, subscriber, topic_attributes=context.topic_attributes)
    if subscriber.get("Protocol") == "email":
        body += FOOTER
    attributes = context.topic_attributes or {}
    mail = EmailMessage()
    mail["From"] = formataddr((attributes.get("DisplayName") or "AWS Notifications", SENDER))
    mail["To"] = endpoint
    mail["Subject"] = context.message.subject or DEFAULT_SUBJECT
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid(domain="sns.localhost")
    mail["X-SNS-Message-Id"] = context.message.message_id
    mail["X-SNS-Subscription-Arn"] = subscriber.get("SubscriptionArn", "")
    mail.set_content(body)
    host, port = _split_host(SMTP_HOST)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with smtplib.SMTP(host, port, timeout=10) as smtp:
                smtp.send_message(mail)
            LOG.debug("sns e-mail sent to %s over SMTP %s", endpoint, SMTP_HOST)
            return
        except (OSError, smtplib.SMTPException) as error:
            if attempt == ATTEMPTS:
                LOG.error("sns e-mail to %s not delivered to SMTP %s after %d attempts: %s", endpoint, SMTP_HOST, ATTEMPTS, error)
                return
            time.sleep(0.5 * attempt)


if SMTP_HOST:
    _check_localstack_matches()
    _split_host(SMTP_HOST)
    publisher.EmailJsonTopicPublisher._publish = _publish_over_smtp
    LOG.info("sns-email-smtp: SNS e-mail subscriptions are delivered over SMTP to %s, from %s", SMTP_HOST, SENDER)
else:
    LOG.info("sns-email-smtp: SMTP_HOST is not set, SNS e-mail stays with LocalStack's SES emulator (GET /_aws/ses)")
