"""Job: render a signed agreement's PDF once and store it (ON-8)."""

from __future__ import annotations

from wxbackend.core.jobs import job


@job("pdf", timeout=300)
def render_agreement_pdf(agreement_id: int) -> None:
    """Render agreement *agreement_id*; an agreement that already has its PDF is left alone."""
    from wxbackend.signing.documents import render_and_store

    render_and_store(agreement_id)


@job("pdf", timeout=300)
def render_offline_agreement_pdf(record_id: int) -> None:
    """Render the printable e-agreement of offline application *record_id* with its page codes (FS-3, FS-10)."""
    from wxbackend.signing.offline_documents import render_printable

    render_printable(record_id)


@job("pdf", timeout=300)
def render_offline_signed_pdf(record_id: int) -> None:
    """签约完成 of offline application *record_id*: its printed pages plus the 签约过程记录 page (FS-7)."""
    from wxbackend.signing.offline_documents import render_signed

    render_signed(record_id)


@job("pdf", timeout=300)
def render_verification_pdf(verification_id: int) -> None:
    """The 去向登记信息表 of verification *verification_id* (VA-4), rendered ahead of its first download."""
    from wxbackend.verification.documents import ensure_pdf

    ensure_pdf(verification_id)
