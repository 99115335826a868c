"""Typed settings read from environment variables, parsed strictly.

A bad value raises ``ConfigError`` at start-up naming the variable, rather than
surfacing later as an odd failure in a request.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from typing import Any


class ConfigError(ValueError):
    """An environment variable holds a value we cannot use."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    """Every setting the platform reads; names match the environment variables."""

    #: SQLAlchemy URL; the embedded default is a SQLite file under ./instance.
    DATABASE_URL: str = "sqlite:///instance/wx.sqlite3"
    #: Redis URL for RQ. Unset: jobs run in-process (JOBS_MODE=thread).
    REDIS_URL: str = ""
    #: rq | thread | eager. Derived from REDIS_URL when unset.
    JOBS_MODE: str = ""
    SECRET_KEY: str = ""
    #: Public origin used to build absolute links (CAS service URL, SMS links).
    PUBLIC_URL: str = "http://127.0.0.1:5000"
    #: Graduate identity provider: local (built-in accounts) or cas (学信网 CHSI).
    IDENTITY_PROVIDER: str = "local"
    CAS_SERVER_URL: str = ""
    #: CAS attribute that carries the 身份证号 of a CHSI account bound to a student record.
    CAS_ID_NUMBER_ATTRIBUTE: str = "idNumber"
    CAS_NAME_ATTRIBUTE: str = "name"
    CAS_PHONE_ATTRIBUTE: str = "mobile"
    CAS_EMAIL_ATTRIBUTE: str = "email"
    WECHAT_APPID: str = ""
    WECHAT_SECRET: str = ""
    WECHAT_MINI_APPID: str = ""
    WECHAT_MINI_SECRET: str = ""
    #: The official account's server-configuration token (signature of every callback request).
    WECHAT_TOKEN: str = ""
    #: EncodingAESKey (43 characters) of the official account's safe mode; unset = plain mode only.
    WECHAT_ENCODING_AES_KEY: str = ""
    #: Callback requests older (or newer) than this many seconds are refused, and replays remembered as long.
    WECHAT_CALLBACK_MAX_AGE: int = 300
    #: How reminders (MS-1) go over WeChat: subscribe (mini-program subscribe messages), template
    #: (official-account template messages) or both (template first, subscribe when the graduate has no
    #: official-account openid).
    WECHAT_MESSAGE_CHANNEL: str = "subscribe"
    #: Official-account template messages: JSON {outbox kind: {"template_id", "fields": {key: source},
    #: "page": mini-program pagepath, "pages": {data.kind: pagepath}, "url": path under PUBLIC_URL}} (README).
    WECHAT_OA_TEMPLATES: str = ""
    #: Origin of the WeChat API; anything but the default routes wechatpy's HTTP session there.
    WECHAT_API_ORIGIN: str = "https://api.weixin.qq.com"
    #: The official account's OAuth page (WX-3); the stand-in points it at itself.
    WECHAT_OAUTH_URL: str = "https://open.weixin.qq.com/connect/oauth2/authorize"
    #: auto | on | off. The local WeChat stand-in under /_wechat/ (demo appids, OAuth page, message log):
    #: ``auto`` uses it when no real WeChat setting is present; it never runs beside real settings.
    WECHAT_STANDIN: str = "auto"
    #: WeChat messages (MS-1): JSON {outbox kind: {"template_id", "fields": {template key: source}, "page"}}
    #: for the mini-program's subscribe messages; a kind without a template is not sent (see README).
    WECHAT_MESSAGE_TEMPLATES: str = ""
    #: Reminders older than this are not sent any more (they would arrive too late to help).
    MESSAGE_MAX_AGE_HOURS: int = 72
    #: Failed password logins allowed per address and account name (Flask-Limiter notation).
    LOGIN_RATE_LIMIT: str = "10 per 15 minutes"
    #: Employer registrations allowed per client address (EM-2).
    REGISTER_RATE_LIMIT: str = "5 per hour"
    #: Graduate lookups (姓名 + 身份证号/考生号) allowed per employer account.
    LOOKUP_RATE_LIMIT: str = "60 per hour"
    #: Refused employer upload links (/u/…: invalid, revoked, used or expired) allowed per address.
    LINK_RATE_LIMIT: str = "20 per 10 minutes"
    #: How SMS (MS-3) goes out: log (written to the log, counts as sent), http (JSON posted to
    #: SMS_API_URL) or aliyun (Aliyun Dysms SendSms). Derived when unset: http with SMS_API_URL, else log.
    SMS_PROVIDER: str = ""
    #: SMS gateway of the http provider: JSON is posted here with SMS_API_KEY as a bearer token.
    SMS_API_URL: str = ""
    SMS_API_KEY: str = ""
    #: The registered signature (签名) of the http and aliyun providers.
    SMS_SIGN_NAME: str = ""
    #: The aliyun provider's AccessKey (a RAM user allowed dysms:SendSms).
    SMS_ALIYUN_ACCESS_KEY_ID: str = ""
    SMS_ALIYUN_ACCESS_KEY_SECRET: str = ""
    #: Dysms API host (https); ``http://host:port`` or ``https://host:port`` chooses the scheme (tests, proxies).
    SMS_ALIYUN_ENDPOINT: str = "dysmsapi.aliyuncs.com"
    #: Template-based providers: JSON {outbox kind: template code}, e.g. {"upload_link": "SMS_123456789"};
    #: the template's parameters come from the row's ``data["sms_params"]``.
    SMS_TEMPLATES: str = ""
    #: Lifetime of a mini-program API token, in hours.
    API_TOKEN_HOURS: int = 72
    #: Largest request body accepted, in megabytes.
    MAX_UPLOAD_MB: int = 20
    #: Imports with more rows than this run as a background job.
    IMPORT_INLINE_MAX_ROWS: int = 500
    #: Folder for uploaded and generated files.
    STORAGE_DIR: str = "instance/files"
    #: The Ed25519 keys that sign the verification reports' QR codes (VA-9): a JSON file of private JWKs,
    #: created on first use; empty means ``qr_keys.json`` beside STORAGE_DIR. Keep it secret and backed up.
    QR_KEYS_FILE: str = ""
    #: Public verification lookups (姓名 + 核验编号/转递编号) allowed per client address.
    VERIFY_RATE_LIMIT: str = "30 per 10 minutes"
    SESSION_COOKIE_SECURE: bool = False
    #: How many reverse proxies (nginx, a load balancer) stand in front of the app and append to
    #: X-Forwarded-For/-Proto/-Host. 0 (the default): those headers are ignored and the client's address
    #: is the connection's, so a client cannot choose the address its rate limits are counted under.
    TRUSTED_PROXIES: int = 0
    DEBUG_SQL: bool = False
    #: Run periodic jobs (invitation expiry) from a thread of this process — the embedded
    #: ``make run``. With Redis, ``python -m jobs.scheduler`` enqueues them instead.
    SCHEDULER: bool = False
    #: Seconds between two runs of the invitation expiry job.
    EXPIRY_INTERVAL: int = 60
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "extra" or f.name not in env:
                continue
            raw = env[f.name]
            if f.type in ("bool", bool):
                values[f.name] = _bool(f.name, raw)
            elif f.type in ("int", int):
                values[f.name] = _int(f.name, raw)
            else:
                values[f.name] = raw.strip()
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.JOBS_MODE not in {"", "rq", "thread", "eager"}:
            raise ConfigError(f"JOBS_MODE must be rq, thread or eager, got {self.JOBS_MODE!r}")
        if self.JOBS_MODE == "rq" and not self.REDIS_URL:
            raise ConfigError("JOBS_MODE=rq needs REDIS_URL")
        if self.IDENTITY_PROVIDER not in {"local", "cas"}:
            raise ConfigError(f"IDENTITY_PROVIDER must be local or cas, got {self.IDENTITY_PROVIDER!r}")
        if self.IDENTITY_PROVIDER == "cas" and not self.CAS_SERVER_URL:
            raise ConfigError("IDENTITY_PROVIDER=cas needs CAS_SERVER_URL")
        if not self.DATABASE_URL.startswith(("sqlite", "postgresql")):
            raise ConfigError("DATABASE_URL must be a sqlite:// or postgresql:// URL")
        if not 0 <= self.TRUSTED_PROXIES <= 5:
            raise ConfigError(f"TRUSTED_PROXIES must be between 0 and 5, got {self.TRUSTED_PROXIES}")
        if self.API_TOKEN_HOURS <= 0 or self.MAX_UPLOAD_MB <= 0:
            raise ConfigError("API_TOKEN_HOURS and MAX_UPLOAD_MB must be positive")
        if self.WECHAT_STANDIN not in {"auto", "on", "off"}:
            raise ConfigError(f"WECHAT_STANDIN must be auto, on or off, got {self.WECHAT_STANDIN!r}")
        if self.WECHAT_STANDIN == "on" and self.real_wechat:
            raise ConfigError("WECHAT_STANDIN=on cannot run beside real WeChat settings "
                              f"({', '.join(self.real_wechat)}): unset them or set WECHAT_STANDIN=off")
        self.message_templates  # noqa: B018 - parses WECHAT_MESSAGE_TEMPLATES or raises ConfigError
        self.oa_templates  # noqa: B018 - parses WECHAT_OA_TEMPLATES or raises ConfigError
        if self.WECHAT_MESSAGE_CHANNEL not in {"subscribe", "template", "both"}:
            raise ConfigError("WECHAT_MESSAGE_CHANNEL must be subscribe, template or both, "
                              f"got {self.WECHAT_MESSAGE_CHANNEL!r}")
        if self.WECHAT_ENCODING_AES_KEY and len(self.WECHAT_ENCODING_AES_KEY) != 43:
            raise ConfigError("WECHAT_ENCODING_AES_KEY must be the 43 characters shown by the official account")
        if self.WECHAT_CALLBACK_MAX_AGE <= 0:
            raise ConfigError("WECHAT_CALLBACK_MAX_AGE must be positive")
        self._validate_sms()

    def _validate_sms(self) -> None:
        if self.SMS_PROVIDER not in {"", "log", "http", "aliyun"}:
            raise ConfigError(f"SMS_PROVIDER must be log, http or aliyun, got {self.SMS_PROVIDER!r}")
        self.sms_templates  # noqa: B018 - parses SMS_TEMPLATES or raises ConfigError
        if self.sms_provider == "http":
            if not self.SMS_API_URL:
                raise ConfigError("SMS_PROVIDER=http needs SMS_API_URL")
            if not self.SMS_API_URL.startswith(("http://", "https://")):
                raise ConfigError(f"SMS_API_URL must be an http:// or https:// URL, got {self.SMS_API_URL!r}")
            if not (self.SMS_API_KEY and self.SMS_SIGN_NAME):
                raise ConfigError("SMS_API_URL needs SMS_API_KEY and SMS_SIGN_NAME")
        if self.sms_provider == "aliyun":
            missing = [n for n in ("SMS_ALIYUN_ACCESS_KEY_ID", "SMS_ALIYUN_ACCESS_KEY_SECRET", "SMS_SIGN_NAME",
                                   "SMS_TEMPLATES") if not getattr(self, n).strip()]
            if missing:
                raise ConfigError(f"SMS_PROVIDER=aliyun needs {', '.join(missing)}")
            self.sms_aliyun_endpoint  # noqa: B018 - parses SMS_ALIYUN_ENDPOINT or raises ConfigError

    @property
    def sms_provider(self) -> str:
        """log | http | aliyun: SMS_PROVIDER, else http when SMS_API_URL is set, else log."""
        return self.SMS_PROVIDER or ("http" if self.SMS_API_URL else "log")

    @property
    def sms_templates(self) -> dict[str, str]:
        """SMS_TEMPLATES parsed: {outbox kind: the provider's template code}."""
        if not self.SMS_TEMPLATES.strip():
            return {}
        import json

        try:
            raw = json.loads(self.SMS_TEMPLATES)
        except ValueError as exc:
            raise ConfigError(f"SMS_TEMPLATES is not JSON: {exc}") from None
        if not isinstance(raw, dict) or not raw or not all(
                isinstance(v, str) and v.strip() for v in raw.values()):
            raise ConfigError('SMS_TEMPLATES must map each kind to a template code, '
                              'e.g. {"upload_link": "SMS_123456789"}')
        return {k: v.strip() for k, v in raw.items()}

    @property
    def sms_aliyun_endpoint(self) -> tuple[str, str]:
        """SMS_ALIYUN_ENDPOINT as (protocol, host[:port]); a bare host means https."""
        from urllib.parse import urlsplit

        raw = self.SMS_ALIYUN_ENDPOINT.strip()
        parts = urlsplit(raw if "://" in raw else "https://" + raw)
        if (parts.scheme not in {"http", "https"} or not parts.hostname or parts.path not in {"", "/"}
                or parts.query or parts.fragment or parts.username):
            raise ConfigError(f"SMS_ALIYUN_ENDPOINT must be a host such as dysmsapi.aliyuncs.com "
                              f"(or http://host:port), got {self.SMS_ALIYUN_ENDPOINT!r}")
        return parts.scheme, parts.netloc

    @property
    def message_templates(self) -> dict[str, dict[str, Any]]:
        """WECHAT_MESSAGE_TEMPLATES parsed: {kind: {"template_id": str, "fields": {key: source}, "page": str}}."""
        if not self.WECHAT_MESSAGE_TEMPLATES.strip():
            return {}
        import json

        try:
            raw = json.loads(self.WECHAT_MESSAGE_TEMPLATES)
        except ValueError as exc:
            raise ConfigError(f"WECHAT_MESSAGE_TEMPLATES is not JSON: {exc}") from None
        if not isinstance(raw, dict) or not all(
                isinstance(v, dict) and isinstance(v.get("template_id"), str) and isinstance(v.get("fields"), dict)
                for v in raw.values()):
            raise ConfigError('WECHAT_MESSAGE_TEMPLATES must map each kind to {"template_id": …, "fields": {…}}')
        return raw

    @property
    def oa_templates(self) -> dict[str, dict[str, Any]]:
        """WECHAT_OA_TEMPLATES parsed: {kind: {"template_id", "fields": {key: source}, "page"?, "pages"?, "url"?}}.

        ``page`` is the mini-program page the message opens, ``pages`` overrides it by the row's
        ``data.kind`` (a review result opens the reviewed record's page); both may hold ``{data key}``
        placeholders. ``url`` is the mobile web path, used by clients that cannot open the mini-program.
        """
        if not self.WECHAT_OA_TEMPLATES.strip():
            return {}
        import json

        try:
            raw = json.loads(self.WECHAT_OA_TEMPLATES)
        except ValueError as exc:
            raise ConfigError(f"WECHAT_OA_TEMPLATES is not JSON: {exc}") from None
        if not isinstance(raw, dict) or not all(
                isinstance(v, dict) and isinstance(v.get("template_id"), str) and isinstance(v.get("fields"), dict)
                and all(isinstance(v.get(k, ""), str) for k in ("page", "url"))
                and isinstance(v.get("pages", {}), dict)
                and all(isinstance(p, str) for p in v.get("pages", {}).values())
                and set(v) <= {"template_id", "fields", "page", "pages", "url"}
                for v in raw.values()):
            raise ConfigError('WECHAT_OA_TEMPLATES must map each kind to {"template_id": …, "fields": {…}, '
                              '"page": …, "pages": {…}, "url": …} (page, pages and url optional)')
        for kind, v in raw.items():
            if v.get("url", "").startswith(("http://", "https://")) or (v.get("url") and not v["url"].startswith("/")):
                raise ConfigError(f"WECHAT_OA_TEMPLATES[{kind!r}].url must be a path under PUBLIC_URL, e.g. /graduate/")
        return raw

    @property
    def oa_configured(self) -> bool:
        """The official account's appid and secret are set (menu, template messages)."""
        return bool(self.WECHAT_APPID and self.WECHAT_SECRET)

    @property
    def subscribe_messages_enabled(self) -> bool:
        """Mini-program subscribe messages can go out."""
        return bool(self.WECHAT_MESSAGE_CHANNEL in {"subscribe", "both"} and self.WECHAT_MINI_APPID
                    and self.WECHAT_MINI_SECRET and self.message_templates)

    @property
    def template_messages_enabled(self) -> bool:
        """Official-account template messages can go out."""
        return bool(self.WECHAT_MESSAGE_CHANNEL in {"template", "both"} and self.oa_configured
                    and self.oa_templates)

    @property
    def real_wechat(self) -> list[str]:
        """The real WeChat settings present (names); the stand-in runs only when there are none."""
        names = [n for n in ("WECHAT_APPID", "WECHAT_SECRET", "WECHAT_MINI_APPID", "WECHAT_MINI_SECRET",
                             "WECHAT_TOKEN") if getattr(self, n)]
        if self.WECHAT_API_ORIGIN.rstrip("/") != "https://api.weixin.qq.com":
            names.append("WECHAT_API_ORIGIN")
        return names

    @property
    def standin_wanted(self) -> bool:
        """Whether the local WeChat stand-in should serve this app (``make run`` without WeChat settings)."""
        return self.WECHAT_STANDIN == "on" or (self.WECHAT_STANDIN == "auto" and not self.real_wechat)

    @property
    def official_account_enabled(self) -> bool:
        """Pages opened in WeChat sign in through the official account's OAuth (WX-3)."""
        return bool(self.WECHAT_APPID and self.WECHAT_SECRET)

    @property
    def messages_enabled(self) -> bool:
        """WeChat reminders (MS-1) can go out on at least one of the two ways."""
        return self.subscribe_messages_enabled or self.template_messages_enabled

    @property
    def jobs_mode(self) -> str:
        return self.JOBS_MODE or ("rq" if self.REDIS_URL else "thread")

    @property
    def cookies_secure(self) -> bool:
        """Cookies go over https only: SESSION_COOKIE_SECURE, or whenever PUBLIC_URL is https."""
        return self.SESSION_COOKIE_SECURE or self.PUBLIC_URL.startswith("https://")

    def flask_config(self) -> dict[str, Any]:
        url = self.DATABASE_URL
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return {
            "SETTINGS": self,
            "SECRET_KEY": self.SECRET_KEY or secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ECHO": self.DEBUG_SQL,
            "MAX_CONTENT_LENGTH": self.MAX_UPLOAD_MB * 1024 * 1024,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.cookies_secure,
            "REMEMBER_COOKIE_SECURE": self.cookies_secure,
            "WTF_CSRF_TIME_LIMIT": None,
        }
