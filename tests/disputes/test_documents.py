"""The generated agreement holds every field the People's Mediation Law asks for (read back from
the DOCX); the PDF says the same; a staff-edited template replaces the shipped one."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from docx import Document

from civicgrid.core.errors import Conflict
from civicgrid.disputes import documents
from civicgrid.disputes.models import DocumentTemplate
from civicgrid.disputes.services import mediation as steps
from tests import factories as f
from tests.disputes.conftest import parties

pytestmark = pytest.mark.django_db


def _all_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@pytest.fixture
def agreed(world, mediation, receive):
    applicant_id = f.id_number("320113", date(1980, 5, 5), 11)
    dispute = receive(parties=parties(id_number=applicant_id, address="尧新大道1号"))
    steps.route(dispute=dispute, organisation_id=mediation.community_committee.pk, by=world.staff, version=dispute.flow.version)  # fmt: skip
    steps.assign_mediator(dispute=dispute, mediator_id=mediation.community_mediator.pk, by=world.staff, version=dispute.flow.version)  # fmt: skip
    today = timezone.localdate()
    steps.record_agreement(
        dispute=dispute, by=mediation.community_mediator, version=dispute.flow.version,
        disputed_issues="漏水损失由谁承担", content="李四赔偿张三维修费3000元",
        performance_method="现金一次性支付", performance_deadline=today + timedelta(days=15),
        effective_on=today,
    )  # fmt: skip
    dispute.applicant_id_number = applicant_id
    return dispute


def test_the_agreement_holds_every_required_field(agreed):
    text = _all_text(documents.render_docx(agreed, "agreement"))
    today = timezone.localdate()
    for required in (
        "人民调解协议书",
        agreed.number,
        "尧化门社区人民调解委员会",  # title, number, committee
        "张三",
        "李四",
        "申请人",
        "被申请人",
        "男",
        agreed.applicant_id_number,
        "尧新大道1号",  # parties
        "漏水损失由谁承担",  # facts and disputed issues
        "李四赔偿张三维修费3000元",  # content of the agreement
        "现金一次性支付",
        f"{today + timedelta(days=15):%Y年%m月%d日}",  # method, time limit
        "签名",
        "印章",
        "按指印",  # signatures and seals
        f"{today:%Y年%m月%d日}",  # date it takes effect
        "司法确认",
    ):
        assert required in text, required


def test_the_pdf_is_a_pdf_of_the_same_document(agreed):
    data = documents.docx_to_pdf(documents.render_docx(agreed, "agreement"))
    assert data.startswith(b"%PDF") and len(data) > 1000


def test_no_agreement_document_without_an_agreement(world, receive):
    with pytest.raises(Conflict) as raised:
        documents.render_docx(receive(), "agreement")
    assert raised.value.code == "disputes.no_agreement"


def test_application_and_record_forms_are_filled(agreed):
    assert "楼上漏水导致楼下天花板受损" in _all_text(documents.render_docx(agreed, "application"))
    assert "人民调解记录" in _all_text(documents.render_docx(agreed, "record"))


def test_a_template_edited_by_staff_replaces_the_shipped_one(agreed):
    doc = Document()
    doc.add_paragraph("本会自定义协议 {{ number }} {{ content }}")
    out = io.BytesIO()
    doc.save(out)
    DocumentTemplate.objects.create(kind="agreement", content=out.getvalue())
    text = _all_text(documents.render_docx(agreed, "agreement"))
    assert text.strip() == f"本会自定义协议 {agreed.number} 李四赔偿张三维修费3000元"
