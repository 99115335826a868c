"""The Aliyun Dysms provider (``SMS_PROVIDER=aliyun``): a template message through ``SendSms`` (MS-3).

Aliyun sends only registered templates: the row's kind is looked up in ``SMS_TEMPLATES`` (kind →
template code) and the template's variables come from the row's ``data["sms_params"]`` (str → str,
sent as JSON with sorted keys); the row's body stays the full human text for the log. The vendor SDK
(``alibabacloud-dysmsapi20170525``) builds and signs the request; one client is built per provider,
with its own connect and read timeouts and without the SDK's own retries (the sender's backoff is
the only retry). ``OutId`` is the row id, so a repeat after a timeout that hid a success can be matched
in Aliyun's delivery reports.

Outcomes (the reason, kept in ``last_error``, starts with Aliyun's code):

* ``OK`` → sent.
* retried with the sender's backoff (1 min … 2 h): throttling and busy answers —
  ``isv.BUSINESS_LIMIT_CONTROL`` (the per-number minute/hour/day limits), ``Throttling.*``,
  ``isp.SYSTEM_ERROR``, ``ServiceUnavailable``, ``InternalError``, any HTTP 5xx — network errors and
  timeouts, and the account-level ``isv.AMOUNT_NOT_ENOUGH`` / ``isv.OUT_OF_SERVICE`` (arrears): an
  operator topping up the account cures them without touching this process, so the retries let the
  messages still go out; after the last attempt the row is ``failed``.
* failed at once: every other code — the number (``isv.MOBILE_NUMBER_ILLEGAL``, blacklists), the
  template, signature or parameters (``isv.SMS_TEMPLATE_ILLEGAL``, ``isv.SMS_SIGNATURE_ILLEGAL``,
  ``isv.TEMPLATE_MISSING_PARAMETERS`` …), the AccessKey (``InvalidAccessKeyId.NotFound``,
  ``SignatureDoesNotMatch``). These need a fixed number or new settings, which the next attempt
  would not have. A kind without a template code, or a row without ``sms_params``, fails the same way
  without a request.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from alibabacloud_dysmsapi20170525 import models as dysms
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from Tea.exceptions import TeaException, UnretryableException

from wxbackend.config import Settings
from wxbackend.notify.models import NotificationOutbox
from wxbackend.notify.sender import SENT, Result, failed, retry

log = logging.getLogger(__name__)

#: Milliseconds, as the SDK counts them.
CONNECT_TIMEOUT_MS = 5_000
READ_TIMEOUT_MS = 10_000
RETRY_CODES = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "ServiceUnavailable", "InternalError",
                         "isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE"})

_WITH_URL = re.compile(r" with url: \S+")


def _retryable(code: str) -> bool:
    return code in RETRY_CODES or code.startswith("Throttling")


class AliyunSmsProvider:
    """Sends a row as an Aliyun template message (see the module docstring for the rules)."""

    def __init__(self, access_key_id: str, access_key_secret: str, sign_name: str, templates: dict[str, str],
                 endpoint: str = "dysmsapi.aliyuncs.com", protocol: str = "https",
                 connect_timeout_ms: int = CONNECT_TIMEOUT_MS, read_timeout_ms: int = READ_TIMEOUT_MS) -> None:
        self.sign_name = sign_name
        self.templates = dict(templates)
        self.client = Client(Config(access_key_id=access_key_id, access_key_secret=access_key_secret,
                                    endpoint=endpoint, protocol=protocol, connect_timeout=connect_timeout_ms,
                                    read_timeout=read_timeout_ms))

    @classmethod
    def from_settings(cls, settings: Settings) -> AliyunSmsProvider:
        protocol, endpoint = settings.sms_aliyun_endpoint
        return cls(settings.SMS_ALIYUN_ACCESS_KEY_ID, settings.SMS_ALIYUN_ACCESS_KEY_SECRET, settings.SMS_SIGN_NAME,
                   settings.sms_templates, endpoint=endpoint, protocol=protocol)

    def request(self, row: NotificationOutbox, phone: str) -> dysms.SendSmsRequest | Result:
        """The SendSms request for *row*, or the ``failed`` result when it cannot be built."""
        template = self.templates.get(row.kind)
        if not template:
            return failed(f"SMS_TEMPLATES has no template code for {row.kind!r}")
        params: Any = (row.data or {}).get("sms_params")
        if not params:
            return failed(f"message {row.id} ({row.kind}) has no sms_params for template {template}")
        if not isinstance(params, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                   for k, v in params.items()):
            return failed(f"sms_params of message {row.id} must map names to strings")
        return dysms.SendSmsRequest(phone_numbers=phone, sign_name=self.sign_name, template_code=template,
                                    template_param=json.dumps(params, ensure_ascii=False, sort_keys=True),
                                    out_id=str(row.id))

    def send(self, row: NotificationOutbox, phone: str) -> Result:
        request = self.request(row, phone)
        if isinstance(request, Result):
            return request
        try:
            response = self.client.send_sms(request)
        except UnretryableException as exc:  # no usable answer: refused or reset, timeout, a body that is not JSON
            inner = getattr(exc, "inner_exception", None) or exc
            detail = _WITH_URL.sub("", str(getattr(inner, "message", None) or inner))  # the URL repeats the number
            return retry(f"{type(inner).__name__}: {detail}")
        except TeaException as exc:  # an HTTP 4xx/5xx answer with Aliyun's error body
            status = getattr(exc, "status_code", None) or 0
            code = str(exc.code or "")
            reason = f"HTTP {status} {code}: {exc.message}"
            return retry(reason) if status >= 500 or _retryable(code) else failed(reason)
        body = response.body
        code = str(getattr(body, "code", "") or "")
        if code == "OK":
            log.info("SMS %s sent to %s by Aliyun (BizId %s)", row.id, phone, body.biz_id)
            return SENT
        reason = f"{code or 'no Code'}: {getattr(body, 'message', '') or ''} (RequestId {body.request_id})"
        if code in {"isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE"}:
            log.warning("Aliyun SMS account cannot send (%s); message %s will be retried", code, row.id)
        return retry(reason) if _retryable(code) else failed(reason)
