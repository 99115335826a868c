"""``flask --app wxbackend wechat-menu``: create the official account's menu (WX-2).

The menu is ``wxbackend/data/wechat_menu.json``; ``{{SETTING}}`` placeholders in its strings are filled
from the settings (``WECHAT_MINI_APPID``, ``PUBLIC_URL``). 去向登记 is a ``miniprogram`` button opening the
mini-program's login page, with the mobile web ``PUBLIC_URL/graduate/`` as the fallback ``url`` for
clients that cannot open mini-programs; the other entries are ``view`` links or ``click`` keys the
callback answers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click
import requests
from flask import Flask, current_app
from wechatpy.exceptions import WeChatClientException

from wxbackend.config import Settings

MENU_FILE = Path(__file__).resolve().parent.parent / "data" / "wechat_menu.json"
PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")

#: WeChat's refusals of a menu, in Chinese, for the operator.
MENU_ERRORS = {
    85005: "小程序未关联公众号：请先在公众平台「小程序管理」中关联小程序，再创建菜单",
    40166: "小程序 appid 无效：请检查 WECHAT_MINI_APPID",
    40001: "access_token 无效：请检查 WECHAT_APPID / WECHAT_SECRET，或 IP 白名单",
    40013: "公众号 AppID 无效：请检查 WECHAT_APPID",
    40125: "公众号 AppSecret 无效：请检查 WECHAT_SECRET",
    40164: "调用接口的 IP 不在公众号的 IP 白名单中",
    48001: "公众号没有自定义菜单接口的权限（需认证）",
}


def _menu_error(code: int) -> str:
    if code in MENU_ERRORS:
        return MENU_ERRORS[code]
    if 65300 <= code < 65400 or 40015 <= code <= 40027 or code in (40054, 40055):
        return "菜单内容不符合微信的要求（按钮类型、名称长度、链接或级数有误），请检查 wechat_menu.json"
    return "微信拒绝了菜单"


def load_menu(settings: Settings, path: Path = MENU_FILE) -> dict[str, Any]:
    """The menu file with its placeholders filled; an unknown or empty setting is an error."""
    values = {"PUBLIC_URL": settings.PUBLIC_URL.rstrip("/"), "WECHAT_MINI_APPID": settings.WECHAT_MINI_APPID,
              "WECHAT_APPID": settings.WECHAT_APPID}

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            def one(match: re.Match[str]) -> str:
                name = match.group(1)
                if not values.get(name):
                    raise click.ClickException(f"菜单文件引用的设置 {name} 未配置")
                return values[name]

            return PLACEHOLDER.sub(one, value)
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"无法读取菜单文件 {path}：{exc}") from None
    return fill(raw)  # type: ignore[no-any-return]


def create_menu(settings: Settings, menu: dict[str, Any]) -> None:
    """Send *menu* to WeChat with the shared official-account client (one token refresh on 40001/42001)."""
    from wxbackend.auth.wechat import call_with_fresh_token, oa_client

    call_with_fresh_token(oa_client(), lambda client: client.menu.create(menu))


def init_app(app: Flask) -> None:
    @app.cli.command("wechat-menu")
    @click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  default=MENU_FILE, show_default=True, help="menu JSON file")
    @click.option("--dry-run", is_flag=True, help="print the menu instead of sending it")
    def wechat_menu(path: Path, dry_run: bool) -> None:
        """Create the official account's menu (去向登记 opens the mini-program)."""
        settings: Settings = current_app.config["SETTINGS"]
        menu = load_menu(settings, path)
        if dry_run:
            click.echo(json.dumps(menu, ensure_ascii=False, indent=2))
            return
        if not settings.oa_configured:
            raise click.ClickException("公众号未配置：请设置 WECHAT_APPID 和 WECHAT_SECRET")
        try:
            create_menu(settings, menu)
        except WeChatClientException as exc:
            raise click.ClickException(f"创建菜单失败（错误码 {exc.errcode}）：{_menu_error(exc.errcode)}"
                                       f"；微信返回：{exc.errmsg}") from None
        except requests.RequestException as exc:
            raise click.ClickException(f"无法连接微信服务器：{exc}") from None
        names = "、".join(b.get("name", "") for b in menu.get("button", []))
        click.echo(f"菜单已创建：{names}")
