"""The mediation documents — agreement (人民调解协议书), application (申请书) and record (笔录) —
filled from DOCX templates staff can edit in Word, given as DOCX or as PDF.

The templates use Jinja placeholders ({{ number }}, {% for p in parties %} …) through docxtpl,
which mends the runs Word splits a placeholder into. A template uploaded in the admin
(DocumentTemplate) replaces the shipped one. The PDF is drawn from the filled DOCX, paragraph by
paragraph and table by table, with reportlab's built-in Chinese font, so it says what the edited
template says without needing LibreOffice on the server.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, NoReturn

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from docx import Document as open_docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate

from civicgrid.accounts.roles import Cap
from civicgrid.core.audit import log_action, register_action
from civicgrid.core.errors import Conflict, DomainError
from civicgrid.core.identity import age_on, parse_id_number
from civicgrid.core.permissions import require
from civicgrid.disputes.models import Agreement, Dispute, DocumentTemplate, Party
from civicgrid.disputes.services.common import is_own_mediator

register_action("disputes.document.generated", _("generated a mediation document"))

SHIPPED = Path(__file__).resolve().parent / "data" / "templates"
KINDS = ("agreement", "application", "record")
FORMATS = ("docx", "pdf")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def no_agreement() -> NoReturn:
    raise Conflict("disputes.no_agreement", _("This dispute has no agreement."))


def template_bytes(kind: str) -> bytes:
    row = DocumentTemplate.objects.filter(kind=kind).first()
    if row is not None:
        return bytes(row.content)
    return (SHIPPED / f"{kind}.docx").read_bytes()


# The documents are in Chinese whatever the reader's language: the parties sign them.
ROLE_TITLES = {"applicant": "申请人", "respondent": "被申请人", "third": "第三人"}


def _person(party: Party) -> dict[str, Any]:
    """What the agreement says of a party. The ID number is printed whole on the document the
    parties sign (the law asks for their identity); its generation is audit-logged."""
    gender = age = ""
    if party.id_number:
        parsed = parse_id_number(party.id_number)
        gender = "男" if parsed.gender == "M" else "女"
        age = str(age_on(parsed.birth_date, timezone.localdate()))
    return {
        "role": ROLE_TITLES.get(party.role, party.role),
        "role_code": party.role,
        "name": party.name,
        "kind": party.kind,
        "gender": gender,
        "age": age,
        "id_number": party.id_number or party.credit_code,
        "phone": party.phone,
        "address": party.address,
        "claims": party.claims,
    }


def context(dispute: Dispute, kind: str) -> dict[str, Any]:
    parties = [_person(p) for p in dispute.parties.all()]
    agreement = Agreement.objects.filter(dispute=dispute).first()
    today = timezone.localdate()
    org = dispute.organisation.name if dispute.organisation else ""
    mediator = dispute.mediator.get_full_name() or dispute.mediator.username if dispute.mediator else ""  # fmt: skip
    data: dict[str, Any] = {
        "number": dispute.number,
        "organisation": org,
        "mediator": mediator,
        "dispute_type": dispute.dispute_type.name,
        "place": f"{dispute.region.name} {dispute.address}".strip(),
        "facts": dispute.facts,
        "received_on": f"{timezone.localdate(dispute.received_at):%Y年%m月%d日}",
        "parties": parties,
        "applicants": [p for p in parties if p["role_code"] == Party.Role.APPLICANT],
        "today": f"{today:%Y年%m月%d日}",
        "sessions": [
            {
                "when": f"{timezone.localtime(s.starts_at):%Y年%m月%d日 %H:%M}",
                "place": s.place,
                "attendees": s.attendees,
                "record": s.record,
            }
            for s in dispute.sessions.all()
        ],
    }
    if agreement is not None:
        data |= {
            "disputed_issues": agreement.disputed_issues,
            "content": agreement.content,
            "performance_method": agreement.performance_method,
            "performance_deadline": f"{agreement.performance_deadline:%Y年%m月%d日}",
            "effective_on": f"{agreement.effective_on:%Y年%m月%d日}",
            "partial": agreement.partial,
        }
    return data


def render_docx(dispute: Dispute, kind: str) -> bytes:
    if kind not in KINDS:
        raise DomainError("disputes.unknown_document", _("There is no such document."))
    if kind == "agreement" and (
        dispute.outcome not in (Dispute.Outcome.AGREEMENT, Dispute.Outcome.PARTIAL)
        or not Agreement.objects.filter(dispute=dispute).exists()
    ):
        no_agreement()
    template = DocxTemplate(io.BytesIO(template_bytes(kind)))
    template.render(context(dispute, kind), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def _blocks(data: bytes) -> list[Paragraph | Table]:
    document = open_docx(io.BytesIO(data))
    blocks: list[Paragraph | Table] = []
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            blocks.append(Paragraph(child, document))
        elif child.tag.endswith("}tbl"):
            blocks.append(Table(child, document))
    return blocks


def docx_to_pdf(data: bytes) -> bytes:
    """The filled document's paragraphs and tables as a PDF (A4, Song typeface)."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph as PdfParagraph
    from reportlab.platypus import SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=17, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1)
    story: list[Any] = []
    for block in _blocks(data):
        if isinstance(block, Paragraph):
            content = escape(block.text).replace("\n", "<br/>")
            style = title if block.style is not None and block.style.name.startswith("Title") else body  # fmt: skip
            story.append(PdfParagraph(content, style) if content.strip() else Spacer(1, 6))
        else:
            cells = [[PdfParagraph(escape(c.text), body) for c in r.cells] for r in block.rows]
            table = PdfTable(cells, hAlign="LEFT")
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
            story.append(table)
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm).build(story)
    return out.getvalue()


def response(dispute: Dispute, *, kind: str, fmt: str, by: Any) -> HttpResponse:
    """The document as a download, for the desk of the area or the organisation's mediators."""
    require(by, Cap.DISPUTES_VIEW)
    if not (by.can(Cap.DISPUTES_ROUTE) or is_own_mediator(dispute, by)):
        require(by, Cap.DISPUTES_MEDIATE)
    if fmt not in FORMATS:
        raise DomainError("disputes.unknown_format", _("Documents are given as docx or pdf."))
    data = render_docx(dispute, kind)
    if fmt == "pdf":
        data = docx_to_pdf(data)
    log_action(dispute, "disputes.document.generated", by=by, data={"kind": kind, "format": fmt})
    reply = HttpResponse(data, content_type=DOCX_TYPE if fmt == "docx" else "application/pdf")
    reply["Content-Disposition"] = f'attachment; filename="{dispute.number}-{kind}.{fmt}"'
    return reply
