"""The SMS channel: a text message to a phone number, e.g. an employer contact's upload link (MS-3).

The transport hands the row to the provider chosen by ``SMS_PROVIDER`` (default: ``http`` with
``SMS_API_URL``, else ``log``). The embedded default, :class:`LogSmsProvider`, writes the message to
the log and counts it as sent, so SMS rows never pile up in a development set-up. ``aliyun`` sends a
registered template through Aliyun Dysms (:mod:`.aliyun_sms`; its parameters come from the row's
``data["sms_params"]``). :class:`HttpSmsProvider` posts JSON to the configured gateway::

    POST SMS_API_URL
    Authorization: Bearer <SMS_API_KEY>
    {"phone": "13800138000", "sign_name": SMS_SIGN_NAME, "content": body, "kind": kind, "message_id": id}

A 2xx answer is sent; 5xx, 429 and network errors are retried with the sender's backoff; any other
4xx is ``failed``. ``message_id`` lets the gateway drop a repeat after a timeout that hid a success.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Protocol

import requests

from wxbackend.config import Settings
from wxbackend.notify.models import SMS, NotificationOutbox
from wxbackend.notify.sender import SENT, Result, Transport, failed, retry

log = logging.getLogger(__name__)

TIMEOUT = 10


class SmsProvider(Protocol):
    def send(self, row: NotificationOutbox, phone: str) -> Result:
        """Make one attempt to send the row's body to *phone*."""
        ...


class LogSmsProvider:
    """The embedded default: the message goes to the log and counts as sent."""

    def send(self, row: NotificationOutbox, phone: str) -> Result:
        log.info("SMS %s to %s (%s): %s", row.id, phone, row.kind, row.body)
        return SENT


class HttpSmsProvider:
    """Posts the message as JSON to an SMS gateway (see the module docstring for the contract)."""

    def __init__(self, url: str, api_key: str, sign_name: str, timeout: float = TIMEOUT) -> None:
        self.url = url
        self.api_key = api_key
        self.sign_name = sign_name
        self.timeout = timeout

    def send(self, row: NotificationOutbox, phone: str) -> Result:
        payload = {"phone": phone, "sign_name": self.sign_name, "content": row.body, "kind": row.kind,
                   "message_id": row.id}
        try:
            response = requests.post(self.url, json=payload, timeout=self.timeout,
                                     headers={"Authorization": f"Bearer {self.api_key}"})
        except requests.RequestException as exc:
            return retry(f"{type(exc).__name__}: {exc}")
        if response.ok:
            return SENT
        error = f"HTTP {response.status_code} {response.text.strip()}"
        if response.status_code >= 500 or response.status_code == 429:
            return retry(error)
        return failed(error)


def provider_for(settings: Settings) -> SmsProvider:
    """The provider named by ``settings.sms_provider`` (log | http | aliyun), built once per app."""
    if settings.sms_provider == "aliyun":
        from wxbackend.notify.aliyun_sms import AliyunSmsProvider  # the vendor SDK only when it is used

        return AliyunSmsProvider.from_settings(settings)
    if settings.sms_provider == "http":
        return HttpSmsProvider(settings.SMS_API_URL, settings.SMS_API_KEY, settings.SMS_SIGN_NAME)
    return LogSmsProvider()


class SmsTransport(Transport):
    """Sends a row's body to its ``phone`` through the provider; always enabled."""

    channel = SMS

    def __init__(self, provider: SmsProvider) -> None:
        self.provider = provider

    def addresses(self, rows: Sequence[NotificationOutbox]) -> Mapping[int, str | None]:
        return {row.id: row.phone for row in rows}

    def refuse(self, row: NotificationOutbox, address: str | None) -> str | None:
        return None if address else "没有手机号"

    def deliver(self, row: NotificationOutbox, address: str) -> Result:
        return self.provider.send(row, address)
