"""The policy hint of the archive and hukou forms (AR-8): which transfer types fit the graduate's destination.

The national rule (国办发〔2022〕13号, the notice of fig. 47) says where a graduate's archive and hukou go:

* employed by a 机关, a state-owned 事业单位 or 企业, the army, or a 定向/委培 graduate → to the employer
  (签约单位接收) or its supervising unit (上级主管单位接收);
* employed by a non-public employer, in a startup or freelance → the public employment and talent service
  office of the place of work (托管单位接收) or of household registration (转回生源地);
* going on to study in China → the admitting school (签约单位接收);
* studying or working abroad, or not yet employed (or no destination at all) → the office of the place of
  household registration (转回生源地).

The hint never blocks: the clients show :func:`hint`'s ``message`` while the chosen type is not in its
``recommended`` list, and reviewers decide.

This package sits below the destination modules, so it cannot read destinations itself: the modules that
own current destinations register a *situation reader* (:func:`register_reader`) from their ``init_app``;
the first reader that recognises the graduate's current destination answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wxbackend.accounts.models import Graduate
from wxbackend.transfers.forms import MODULE_LABELS

EMPLOYED = "employed"
FURTHER_STUDY = "further_study"
UNEMPLOYED = "unemployed"
ABROAD = "abroad"
#: 单位性质 codes of public employers: 机关, 事业单位 (20–29), 国有企业, 部队.
PUBLIC_NATURES = frozenset({"10", "20", "21", "22", "23", "29", "31", "40"})

TO_EMPLOYER = ("11", "12")
TO_SERVICE_OFFICE = ("13", "20")
TO_ORIGIN = ("20",)
TO_SCHOOL = ("11",)


@dataclass(frozen=True)
class Situation:
    """What the rule needs of the graduate's current destination."""

    group: str
    unit_nature: str | None = None
    directed: bool = False


Reader = Callable[[Graduate], Situation | None]
_readers: list[Reader] = []


def register_reader(reader: Reader) -> None:
    """Add a reader; it returns None when the graduate's current destination is not one of its kinds."""
    if reader not in _readers:
        _readers.append(reader)


def situation(graduate: Graduate) -> Situation:
    for reader in _readers:
        found = reader(graduate)
        if found is not None:
            return found
    return Situation(UNEMPLOYED)


def _advice(s: Situation, directed: bool) -> tuple[tuple[str, ...], str]:
    if directed or s.directed:
        return TO_EMPLOYER, "定向、委培毕业生的{m}一般转至定向或委培单位"
    if s.group == FURTHER_STUDY:
        return TO_SCHOOL, "升学的毕业生，{m}一般转至录取学校"
    if s.group == ABROAD:
        return TO_ORIGIN, "出国（境）留学或工作的毕业生，{m}一般转至户籍所在地的公共就业和人才服务机构"
    if s.group == EMPLOYED and s.unit_nature in PUBLIC_NATURES:
        return TO_EMPLOYER, "到机关、国有企事业单位就业的毕业生，{m}一般转至就业单位或其上级主管单位"
    if s.group == EMPLOYED:
        return TO_SERVICE_OFFICE, ("到非公有制单位就业或自主创业、灵活就业的毕业生，"
                                   "{m}一般转至就业地或户籍所在地的公共就业和人才服务机构")
    return TO_ORIGIN, "暂未就业的毕业生，{m}一般转至户籍所在地的公共就业和人才服务机构"


def hint(graduate: Graduate, module: str) -> dict[str, Any]:
    """``{"recommended": [codes], "message": text}`` for the form of *module* (archive | hukou)."""
    recommended, text = _advice(situation(graduate), bool(graduate.is_directed))
    message = (text.format(m=MODULE_LABELS[module]) + "（国办发〔2022〕13号）。所选类型与此不一致，"
               "请确认后再提交；如有特殊情况可在情况说明中写明。")
    return {"recommended": list(recommended), "message": message}
