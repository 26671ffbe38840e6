"""Writes the shipped DOCX templates (data/templates/) — run once when their wording changes:
`python -m civicgrid.disputes.templates_build`. Staff replace them in the admin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document
from docx.shared import Pt

OUT = Path(__file__).resolve().parent / "data" / "templates"

PARTIES = [
    "{%p for p in parties %}",
    "{{ p.role }}：{{ p.name }}  性别：{{ p.gender }}  年龄：{{ p.age }}  "
    "身份证号码/统一社会信用代码：{{ p.id_number }}  联系电话：{{ p.phone }}  住所：{{ p.address }}",
    "{%p endfor %}",
]


def _doc(title: str) -> Any:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(12)
    doc.add_heading(title, level=0)
    doc.add_paragraph("编号：{{ number }}    调解组织：{{ organisation }}")
    return doc


def agreement() -> Any:
    doc = _doc("人民调解协议书")
    doc.add_paragraph("当事人基本情况：")
    for line in PARTIES:
        doc.add_paragraph(line)
    doc.add_paragraph("纠纷类型：{{ dispute_type }}    纠纷发生地：{{ place }}")
    doc.add_paragraph("纠纷主要事实、争议事项：")
    doc.add_paragraph("{{ disputed_issues }}")
    doc.add_paragraph("经调解，自愿达成如下协议{% if partial %}（部分达成）{% endif %}：")
    doc.add_paragraph("{{ content }}")
    doc.add_paragraph("履行方式：{{ performance_method }}")
    doc.add_paragraph("履行期限：{{ performance_deadline }}前履行完毕。")
    doc.add_paragraph(
        "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"
        "双方当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。"
    )
    doc.add_paragraph("本协议一式三份，双方当事人、人民调解委员会各持一份。")
    table = doc.add_table(rows=2, cols=2)
    table.style = "Table Grid"
    table.cell(0, 0).text = "当事人（签名、盖章或按指印）："
    table.cell(0, 1).text = "人民调解员（签名）：{{ mediator }}"
    table.cell(1, 0).text = "人民调解委员会（印章）：{{ organisation }}"
    table.cell(1, 1).text = "生效日期：{{ effective_on }}"
    doc.add_paragraph("制作日期：{{ today }}")
    return doc


def application() -> Any:
    doc = _doc("人民调解申请书")
    for line in PARTIES:
        doc.add_paragraph(line)
    doc.add_paragraph("纠纷类型：{{ dispute_type }}    纠纷发生地：{{ place }}")
    doc.add_paragraph("纠纷事实及申请事项：")
    doc.add_paragraph("{{ facts }}")
    doc.add_paragraph("{%p for p in parties %}")
    doc.add_paragraph("{{ p.name }}的请求：{{ p.claims }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("申请人自愿申请人民调解，并承诺所述事实真实。")
    doc.add_paragraph("申请人（签名）：                受理日期：{{ received_on }}")
    return doc


def record() -> Any:
    doc = _doc("人民调解记录")
    for line in PARTIES:
        doc.add_paragraph(line)
    doc.add_paragraph("调解员：{{ mediator }}    纠纷类型：{{ dispute_type }}")
    doc.add_paragraph("{%p for s in sessions %}")
    doc.add_paragraph("调解时间：{{ s.when }}    地点：{{ s.place }}    参加人：{{ s.attendees }}")
    doc.add_paragraph("调解情况：{{ s.record }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("当事人（签名）：                调解员（签名）：{{ mediator }}")
    doc.add_paragraph("记录日期：{{ today }}")
    return doc


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in (("agreement", agreement), ("application", application), ("record", record)):
        build().save(OUT / f"{name}.docx")


if __name__ == "__main__":
    main()
