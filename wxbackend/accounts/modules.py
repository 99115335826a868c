"""The graduate's five modules and why each is locked (L-3, L-5, HK-1, CF-1, VA-1).

One function of the graduate and their school, so the web page and the API agree. What this
layer cannot know (destination reported, destination confirmed) comes from fact readers the modules
above register (:func:`register_facts`, the confirmation package does it); a caller may also pass
the facts in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from wxbackend.accounts.models import Graduate, School
from wxbackend.core.errors import Forbidden

MSG_UNCONFIRMED = "请先核对基本信息并确认"
MSG_ARCHIVE_DISABLED = "学校未开通档案信息登记"
MSG_HUKOU_DISABLED = "学校未开通户口信息登记"
MSG_HUKOU_NOT_AT_SCHOOL = "户口未转入学校，不可使用户口信息登记"
MSG_NOT_REPORTED = "需完成毕业去向上报后才能确认"
MSG_NOT_CONFIRMED_DESTINATION = "需完成去向登记确认才能进行核验授权"

#: (key, name) in the order of §3.
MODULES: tuple[tuple[str, str], ...] = (
    ("destination", "毕业去向填报"),
    ("archive", "档案信息登记"),
    ("hukou", "户口信息登记"),
    ("confirmation", "去向登记确认"),
    ("verification", "核验授权"),
)


#: Readers of facts about a graduate: ``reader(graduate) -> {"destination_reported": …, …}``.
_FACT_READERS: list[Callable[[Graduate], dict[str, bool]]] = []


def register_facts(reader: Callable[[Graduate], dict[str, bool]]) -> None:
    if reader not in _FACT_READERS:
        _FACT_READERS.append(reader)


def facts(graduate: Graduate) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for reader in _FACT_READERS:
        out.update(reader(graduate))
    return out


@dataclass(frozen=True)
class ModuleState:
    key: str
    name: str
    available: bool
    #: Why the module is locked; None when available.
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def module_states(
    graduate: Graduate,
    school: School,
    *,
    destination_reported: bool | None = None,
    destination_confirmed: bool | None = None,
) -> list[ModuleState]:
    """Each module with its lock and the reason, for *graduate* of *school*."""
    reasons: dict[str, str | None] = {}
    if destination_reported is None or destination_confirmed is None:
        known = facts(graduate) if graduate.confirmed_at is not None and graduate.deleted_at is None else {}
        if destination_reported is None:
            destination_reported = known.get("destination_reported", False)
        if destination_confirmed is None:
            destination_confirmed = known.get("destination_confirmed", False)
    if graduate.confirmed_at is None or graduate.deleted_at is not None:
        reasons = {key: MSG_UNCONFIRMED for key, _ in MODULES}
    else:
        reasons["destination"] = None
        reasons["archive"] = None if school.archive_module_enabled else MSG_ARCHIVE_DISABLED
        if not school.hukou_module_enabled:
            reasons["hukou"] = MSG_HUKOU_DISABLED
        elif graduate.hukou_at_school is not True:
            reasons["hukou"] = MSG_HUKOU_NOT_AT_SCHOOL
        else:
            reasons["hukou"] = None
        reasons["confirmation"] = None if destination_reported else MSG_NOT_REPORTED
        reasons["verification"] = None if destination_confirmed else MSG_NOT_CONFIRMED_DESTINATION
    return [ModuleState(key, name, reasons[key] is None, reasons[key]) for key, name in MODULES]


def module_state(graduate: Graduate, school: School, key: str, **known: bool) -> ModuleState:
    if key not in ("confirmation", "verification"):  # the facts only decide these two: no need to read them
        known = {"destination_reported": False, "destination_confirmed": False, **known}
    for state in module_states(graduate, school, **known):
        if state.key == key:
            return state
    raise KeyError(key)


def require_confirmed(graduate: Graduate) -> None:
    """Refuse every module action until the graduate confirmed their basic info (L-3)."""
    if graduate.confirmed_at is None:
        raise Forbidden(MSG_UNCONFIRMED, code="basic_info_unconfirmed")


def require_module(graduate: Graduate, school: School, key: str, **known: bool) -> None:
    """Refuse an action in module *key* when it is locked, saying why."""
    require_confirmed(graduate)
    state = module_state(graduate, school, key, **known)
    if not state.available:
        raise Forbidden(state.reason or "该功能暂不可用", code="module_locked")
