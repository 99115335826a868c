"""The official account 国家大学生就业服务平台: its server callback and its menu (WX-1, WX-2).

A web-level package: the callback is a thin view over :mod:`wxbackend.notify.official_account`
(followers, subscribe-message choices); the menu command builds the menu from
``wxbackend/data/wechat_menu.json``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the callback blueprint and the ``wechat-menu`` command."""
    from wxbackend.wechat import menu
    from wxbackend.wechat.callback import bp

    app.register_blueprint(bp)
    menu.init_app(app)
