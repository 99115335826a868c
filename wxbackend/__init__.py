"""全国高校毕业生毕业去向登记与网上签约平台 — backend package."""

from wxbackend.app import create_app

__all__ = ["create_app"]
