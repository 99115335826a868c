"""How the console shows the record behind a review item, whatever module it belongs to.

The review console knows items, not modules. Each module registers, for its kind:

* a *presenter* ``presenter(item) -> Subject``: title, the record's fields as (label, value)
  rows, the attached images, whether reviewers may edit it while it waits for them (RV-5),
  and a status banner (e.g. a record voided after approval, OD-4);
* optionally a *labeller* ``labeller(subject_ids) -> {subject_id: label}``: the sub-type shown
  in the queue's 类型 column, for a whole page of items in one query.

A kind with no presenter is still shown, with its kind label and no fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from wxbackend.files.models import StoredFile
from wxbackend.review.engine import kind_label
from wxbackend.review.models import ReviewItem


@dataclass
class Subject:
    """The record behind an item, ready for the item page."""

    title: str
    #: The record's own status as the module names it (审核中, 已作废, …).
    status_label: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    #: Titled groups of rows shown after ``rows``, e.g. the sections of an agreement (fig. 9).
    sections: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    files: list[StoredFile] = field(default_factory=list)
    #: Reviewers may edit the fields and the images while the item waits for them (RV-5).
    editable: bool = False
    #: A notice shown above everything, e.g. "已作废（毕业生于 … 作废）" (OD-4).
    banner: str | None = None
    #: What the images are (证明材料 name) and a hint for uploads.
    files_label: str = "证明材料"
    files_hint: str | None = None
    files_max: int | None = None
    #: How many images the record needs (0: none, e.g. 无需证明材料); None for records that take no images.
    files_min: int | None = None
    #: file id → (kind, text) shown under an image, e.g. ("match", "与协议 … 第1页相符") (FS-10).
    file_notes: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: One line above the images, e.g. which pages of an agreement they cover; a warning if some are missing.
    files_summary: str | None = None
    files_warning: bool = False


Presenter = Callable[[ReviewItem], Subject]
Labeller = Callable[[list[int]], dict[int, str]]

_presenters: dict[str, Presenter] = {}
_labellers: dict[str, Labeller] = {}


def register(kind: str, presenter: Presenter, labeller: Labeller | None = None) -> None:
    """Show items of *kind* with *presenter*; *labeller* names their sub-types in lists."""
    _presenters[kind] = presenter
    if labeller is not None:
        _labellers[kind] = labeller


def present(item: ReviewItem) -> Subject:
    presenter = _presenters.get(item.kind)
    if presenter is None:
        return Subject(title=kind_label(item.kind), status_label=item.status_label)
    return presenter(item)


def type_labels(items: Iterable[ReviewItem]) -> dict[int, str]:
    """{item id: "kind label · sub-type"} for many items: one query per kind present, not per item."""
    items = list(items)
    by_kind: dict[str, list[ReviewItem]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    out: dict[int, str] = {}
    for kind, group in by_kind.items():
        labeller = _labellers.get(kind)
        subs = labeller(sorted({i.subject_id for i in group})) if labeller else {}
        for item in group:
            sub = subs.get(item.subject_id)
            out[item.id] = f"{kind_label(kind)} · {sub}" if sub else kind_label(kind)
    return out
